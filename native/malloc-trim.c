// A Node-API addon for glibc's malloc, two functions:
// - trim() asks malloc to hand free heap memory back to the OS (malloc_trim(0)). Disposed V8
//   isolates leave their malloc'd memory free but mapped, spread across the heap where free()
//   never returns it: with 1,000 evicted apps that is hundreds of MiB.
// - setTrimThreshold(bytes) sets how much free memory at the top of the heap free() keeps mapped
//   (mallopt M_TRIM_THRESHOLD). See holdFreedHeap() in src/isolates/memory-release.ts for why.
// Built by scripts/build.mjs when a C compiler is present; NANO runs without it (see
// src/isolates/memory-release.ts). Only glibc has malloc_trim: elsewhere trim() returns false.
#include <node_api.h>
#include <stdbool.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static napi_value trim(napi_env env, napi_callback_info info) {
  (void)info;
  bool released = false;
#if defined(__GLIBC__)
  released = malloc_trim(0) == 1;
#endif
  napi_value result;
  napi_get_boolean(env, released, &result);
  return result;
}

static napi_value set_trim_threshold(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double bytes = -1;
  bool done = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == 1) napi_get_value_double(env, argv[0], &bytes);
#if defined(__GLIBC__)
  if (bytes >= 0 && bytes <= 1073741824) done = mallopt(M_TRIM_THRESHOLD, (int)bytes) == 1;
#endif
  napi_value result;
  napi_get_boolean(env, done, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "trim", NAPI_AUTO_LENGTH, trim, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "trim", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "setTrimThreshold", NAPI_AUTO_LENGTH, set_trim_threshold, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "setTrimThreshold", fn) != napi_ok) return NULL;
  return exports;
}
