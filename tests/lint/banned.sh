#!/bin/bash
# The functions sshkeyctl does not call (as git's banned.h), checked over every C file of
# src/ (the tests may use a seeded rand() for reproducible inputs); CI runs it with the
# tests.
#   atoi atol atoll     no error, no range: use base/number.h (number_parse)
#   strcpy strcat       no bound: snprintf, or memcpy with a checked length
#   sprintf vsprintf    no bound: snprintf, dynbuf_printf
#   gets                no bound at all
#   strtok              state shared between threads: strtok_r
#   rand srand random   unseeded, not thread-safe: base/random.h (the kernel's CSPRNG)
#   sscanf              only where its result is checked: "sscanf(...) ==/!=/</>"
# Prints each offence as FILE:LINE: text; exit 1 when there is one.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
exec python3 - <<'PY'
import pathlib, re, sys
banned = re.compile(r"(^|[^A-Za-z0-9_.>])(atoi|atol|atoll|strcpy|strcat|sprintf|vsprintf|gets|"
                    r"strtok|rand|srand|random)\s*\(")
sscanf = re.compile(r"(^|[^A-Za-z0-9_])sscanf\s*\(")
checked = re.compile(r"sscanf\s*\(.*\)\s*(==|!=|<=|>=|<|>)|(==|!=|<=|>=|<|>)\s*sscanf")
# comments and literals out: a mention in prose is no offence
noise = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
offences = 0
files = sorted(p for p in pathlib.Path("src").rglob("*") if p.suffix in (".c", ".h"))
for path in files:
    text = noise.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)),
                     path.read_text(encoding="utf-8", errors="replace"))
    for n, line in enumerate(text.split("\n"), 1):
        m = banned.search(line)
        if m:
            print(f"{path}:{n}: {m.group(2)}() is banned: {line.strip()}")
            offences += 1
        if sscanf.search(line) and not checked.search(line):
            print(f"{path}:{n}: sscanf() whose result is not checked: {line.strip()}")
            offences += 1
if offences:
    sys.exit(1)
print(f"no banned function in {len(files)} files")
PY
