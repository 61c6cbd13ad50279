/* The scan loop of scan_impl.h compiled with AVX2 + POPCNT (the build gives *_avx2.c files
 * those flags): the pruning path's block distance is then 16 hardware POPCNTs instead of the
 * portable build's bit-trick popcount. Chosen with the AVX2 kernel table (scan.c). */
#include "search/search_internal.h"

#include "search/scan_popcount.h"

#define SCAN_NAME search_scan_avx2
#include "search/scan_impl.h"
