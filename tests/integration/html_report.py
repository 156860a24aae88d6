#!/usr/bin/python3
"""html_report.py PAGE SCREENSHOT DSA_FINGERPRINT ACCOUNT: drive scan --html's page in headless
Chromium (Debian's chromium and chromedriver, through python3-selenium) as a person would:
the page renders with no error and no request for anything outside it, its rows are the
scan's keys, the finding, type, host and account filters and the search narrow them, a click
shows a key's detail, a key comment holding markup stays text; a screenshot is saved.
Exits non-zero with the reason on the first check that fails."""
import json
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

page, screenshot, fp_dsa, account = sys.argv[1:5]


def check(cond, what):
    if not cond:
        sys.exit("html report: " + what)


opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
# the machine's closed network: no background connections, no first-run work
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--window-size=1400,1000", "--user-data-dir=" + tempfile.mkdtemp()):
    opts.add_argument(flag)
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
try:
    driver.get("file://" + page)
    check("who can log in where" in driver.title, "title: " + driver.title)
    data = json.loads(driver.find_element(By.ID, "data").get_attribute("textContent"))

    def rows():
        return driver.find_elements(By.CSS_SELECTOR, "#keys tbody tr.key")

    check(len(rows()) == len(data["keys"]) > 0, "%d rows for %d keys" % (len(rows()), len(data["keys"])))
    matrix_rows = driver.find_elements(By.CSS_SELECTOR, "#matrix tbody tr")
    check(len(matrix_rows) == len({k["fingerprint"] for k in data["keys"]}), "matrix rows")
    # a finding: only the DSA key, in the table and the matrix
    Select(driver.find_element(By.ID, "f-finding")).select_by_value("dsa")
    shown = rows()
    check(len(shown) == 1 and shown[0].get_attribute("data-fingerprint") == fp_dsa,
          "finding filter: %s" % [r.text for r in shown])
    check(len(driver.find_elements(By.CSS_SELECTOR, "#matrix tbody tr")) == 1, "matrix under a filter")
    check("dsa: 1" in driver.find_element(By.ID, "summary").text, "summary under a filter")
    # any finding, then the type filter on top
    Select(driver.find_element(By.ID, "f-finding")).select_by_value("*")
    with_findings = sum(1 for k in data["keys"] if k["findings"])
    check(len(rows()) == with_findings, "any finding: %d rows, %d keys" % (len(rows()), with_findings))
    Select(driver.find_element(By.ID, "f-type")).select_by_value("RSA")
    check(all("RSA" in r.text for r in rows()) and rows(), "type filter")
    driver.find_element(By.ID, "reset").click()
    check(len(rows()) == len(data["keys"]), "reset")
    # account and host
    Select(driver.find_element(By.ID, "f-account")).select_by_value(account)
    want = [k for k in data["keys"] if k["account"] == account]
    check(len(rows()) == len(want) > 0 and all(r.text.split()[1] == account for r in rows()),
          "account filter")
    host = data["hosts"][0]["host"]
    Select(driver.find_element(By.ID, "f-host")).select_by_value(host)
    check(len(rows()) == len(want), "host filter")
    driver.find_element(By.ID, "reset").click()
    # search by comment
    box = driver.find_element(By.ID, "search")
    box.send_keys("alice@laptop")
    want = [k for k in data["keys"] if k["comment"] and "alice@laptop" in k["comment"]]
    check(len(rows()) == len(want) > 0, "search: %d rows, %d keys" % (len(rows()), len(want)))
    # a click shows where else the key is
    rows()[0].click()
    detail = driver.find_elements(By.CSS_SELECTOR, "#keys tbody tr.detail")
    check(len(detail) == 1 and "last used" in detail[0].text, "detail: %s" % [d.text for d in detail])
    places = sum(1 for k in data["keys"] if k["fingerprint"] == want[0]["fingerprint"])
    check(detail[0].text.count("login(s) logged") == places, "detail lists every place")
    box.clear()
    driver.find_element(By.ID, "reset").click()
    # markup in a comment is text: no element made of it, the page's title intact
    check(not driver.find_elements(By.CSS_SELECTOR, "#keys img"), "a comment became markup")
    check("<img" in driver.find_element(By.ID, "keys").text, "the markup comment is not shown as text")
    check("pwned" not in driver.title, "a comment ran script")
    # nothing outside the page was asked for, and no error was logged
    check(driver.execute_script("return performance.getEntriesByType('resource').length") == 0,
          "the page loaded a resource")
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    check(not errors, "console errors: %s" % errors)
    driver.save_screenshot(screenshot)
finally:
    driver.quit()
print("html report: rendered, filtered, detail shown; screenshot " + screenshot)
