// OpenBLAS's CBLAS interface (Debian: libopenblas-dev installs it under /usr/include/x86_64-linux-gnu/).
#include <cblas.h>
