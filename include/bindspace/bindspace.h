/* bindspace: an embedded engine for 16,384-bit binary fingerprints and the graph between
 * them. Include this header for the whole public API. */
#ifndef BINDSPACE_H
#define BINDSPACE_H

#define BSP_VERSION_MAJOR 0
#define BSP_VERSION_MINOR 1
#define BSP_VERSION_PATCH 0
#define BSP_VERSION_STRING "0.1.0"

#include "bindspace/error.h"
#include "bindspace/fp.h"
#include "bindspace/sidecar.h"
#include "bindspace/delta.h"
#include "bindspace/predicate.h"
#include "bindspace/batch.h"
#include "bindspace/progress.h"
#include "bindspace/lance.h"
#include "bindspace/space.h"
#include "bindspace/backup.h"

#endif
