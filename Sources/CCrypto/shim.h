// OpenSSL's libcrypto (Debian's libssl-dev), for SHA-256 content digests.
#include <openssl/evp.h>
