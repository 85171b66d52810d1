/* The C libraries the engine calls: OpenBLAS's CBLAS and the reference LAPACKE, as Debian installs them
   (libopenblas-dev, liblapacke-dev). */
#include <cblas.h>
#include <lapacke.h>
/* glibc's malloc tuning (mallopt), used to keep large buffers on the heap. */
#include <malloc.h>
