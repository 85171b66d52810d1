/* zlib, as Debian installs it (zlib1g-dev): gzip-compressed IDX files. */
#include <zlib.h>
