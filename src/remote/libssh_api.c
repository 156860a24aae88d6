/* The one file that does not see libssh's names redirected: it fills the pointers. */
#define LIBSSH_API_NO_REDIRECT
#include "remote/libssh_api.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

struct libssh_api libssh_api;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_result;
static const char *load_why;

static void load(void)
{
	void *lib = dlopen(LIBSSH_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		load_why = dlerror();
		load_result = -ENOENT;
		return;
	}
#define X(name)                                                                    \
	if (!(libssh_api.name = (__typeof__(libssh_api.name))dlsym(lib, #name))) { \
		load_why = "a function is missing: " #name;                        \
		load_result = -ENOENT;                                             \
		return;                                                            \
	}
	LIBSSH_FUNCTIONS
#undef X
}

int libssh_api_load(const char **why)
{
	pthread_once(&once, load);
	if (load_result < 0 && why)
		*why = load_why;
	return load_result;
}
