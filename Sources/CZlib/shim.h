#include <zlib.h>

/// inflateInit2 is a macro, which Swift cannot call: a raw deflate stream (no zlib or gzip wrapper),
/// as the members of a zip file (numpy.savez_compressed) hold it.
static inline int spikechip_inflate_init_raw(z_stream *stream) { return inflateInit2(stream, -MAX_WBITS); }
