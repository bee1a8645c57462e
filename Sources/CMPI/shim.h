// Open MPI (Debian: libopenmpi-dev) through functions Swift can call: MPI_COMM_WORLD, the datatypes
// and the operations are C macros naming Open MPI's globals, which Swift does not import. Every
// call works on MPI_COMM_WORLD; every function returns MPI's error code (MPI_SUCCESS is 0).
#include <mpi.h>

static inline int spikechip_mpi_init(void) {
    // The simulation thread alone calls MPI (worker threads never do): FUNNELED is enough.
    int provided = 0;
    return MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
}
static inline int spikechip_mpi_initialized(void) { int flag = 0; MPI_Initialized(&flag); return flag; }
static inline int spikechip_mpi_finalize(void) { return MPI_Finalize(); }
static inline int spikechip_mpi_rank(void) { int r = -1; MPI_Comm_rank(MPI_COMM_WORLD, &r); return r; }
static inline int spikechip_mpi_size(void) { int n = 0; MPI_Comm_size(MPI_COMM_WORLD, &n); return n; }
static inline void spikechip_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }
/// Errors are returned to the caller (which reports them and stops) instead of aborting every rank at once.
static inline int spikechip_mpi_errors_return(void) { return MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN); }

/// Element-wise minimum over ranks of `count` unsigned 64-bit values, in place.
static inline int spikechip_mpi_allreduce_min_u64(unsigned long long *values, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
}
/// Element-wise maximum over ranks, in place.
static inline int spikechip_mpi_allreduce_max_u64(unsigned long long *values, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
}
/// `count` ints from every rank to every rank (rank r's at receive + r × count).
static inline int spikechip_mpi_allgather_int(const int *send, int count, int *receive) {
    return MPI_Allgather(send, count, MPI_INT, receive, count, MPI_INT, MPI_COMM_WORLD);
}
/// Bytes to and from every rank.
static inline int spikechip_mpi_alltoallv_bytes(const void *send, const int *sendCounts, const int *sendOffsets,
                                                void *receive, const int *receiveCounts, const int *receiveOffsets) {
    return MPI_Alltoallv(send, sendCounts, sendOffsets, MPI_BYTE, receive, receiveCounts, receiveOffsets, MPI_BYTE, MPI_COMM_WORLD);
}
/// One int from every rank to `root`.
static inline int spikechip_mpi_gather_int(int value, int *receive, int root) {
    return MPI_Gather(&value, 1, MPI_INT, receive, 1, MPI_INT, root, MPI_COMM_WORLD);
}
/// Bytes from every rank to `root`.
static inline int spikechip_mpi_gatherv_bytes(const void *send, int count, void *receive, const int *counts, const int *offsets, int root) {
    return MPI_Gatherv(send, count, MPI_BYTE, receive, counts, offsets, MPI_BYTE, root, MPI_COMM_WORLD);
}
/// Bytes from `root` to every rank.
static inline int spikechip_mpi_bcast_bytes(void *buffer, int count, int root) {
    return MPI_Bcast(buffer, count, MPI_BYTE, root, MPI_COMM_WORLD);
}
