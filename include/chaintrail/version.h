/* The library's version. */
#ifndef CHAINTRAIL_VERSION_H
#define CHAINTRAIL_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

/* Returns the version string of the library, e.g. "0.1.0". */
const char *ct_version(void);

#ifdef __cplusplus
}
#endif
#endif
