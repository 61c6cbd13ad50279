/* The neighbour index of an edges table and its reconciler (docs/graph.md; spec §2.4, §5).
 *
 * The one idea: Lance keeps our IndexMetadata but never maintains it, so truth is decided
 * here, from three facts: the fragments that are live now, the fragment_bitmap (which a
 * Lance writer may have edited, e.g. to drop fragments whose indexed column it rewrote),
 * and our own details message (one segment per fragment, with the data file it was built
 * from). A segment is kept only when all three agree; every other live fragment gets a new
 * segment; then the whole entry is republished under a new uuid with one CreateIndex
 * commit that removes the old entry. Kept segment files are hard-linked into the new
 * directory, so reconciling after an append costs O(new rows), and cleaning up the old
 * directory (as Lance's cleanup would) never breaks the new one. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "index/graph_internal.h"
#include "io/io.h"
#include "lance/commit.h"
#include "util/error.h"

static int oom(void) { return bsp_err(BSP_ENOMEM, "out of memory"); }

char *bsp_graph_edges_path(const char *db) { return io_path_join(db, "edges.lance"); }

/* ---- finding and judging the index ------------------------------------------------------ */

int graph_index_find(const bsp_dataset *ds, graph_index *out)
{
    memset(out, 0, sizeof *out);
    const Lance__Table__IndexSection *ix = ds->mf.index;
    for (size_t i = 0; ix && i < ix->n_indices; i++) {
        const Lance__Table__IndexMetadata *im = ix->indices[i];
        if (!im->name || strcmp(im->name, BSP_GRAPH_INDEX_NAME) != 0) continue;
        if (!im->index_details || !im->index_details->type_url ||
            strcmp(im->index_details->type_url, BSP_GRAPH_INDEX_TYPE_URL) != 0)
            continue;
        out->meta = im;
        out->details = bindspace__v1__neighbor_index__unpack(
            NULL, im->index_details->value.len, im->index_details->value.data);
        if (!out->details)
            return bsp_err(BSP_ECORRUPT, "%s: index %s: index_details do not decode as "
                           "bindspace.v1.NeighborIndex", ds->path, BSP_GRAPH_INDEX_NAME);
        if (out->details->format_version != GRAPH_FORMAT_VERSION) {
            uint32_t v = out->details->format_version;
            graph_index_free(out);
            return bsp_err(BSP_EUNSUPPORTED, "%s: neighbour index format version %u (we read %u)",
                           ds->path, v, GRAPH_FORMAT_VERSION);
        }
        return 1;
    }
    return 0;
}

void graph_index_free(graph_index *gi)
{
    if (gi->details) bindspace__v1__neighbor_index__free_unpacked(gi->details, NULL);
    memset(gi, 0, sizeof *gi);
}

roaring_bitmap_t *graph_index_bitmap(const Lance__Table__IndexMetadata *meta)
{
    roaring_bitmap_t *bm = NULL;
    if (meta && meta->has_fragment_bitmap && meta->fragment_bitmap.len)
        bm = roaring_bitmap_portable_deserialize_safe((const char *)meta->fragment_bitmap.data,
                                                      meta->fragment_bitmap.len);
    return bm ? bm : roaring_bitmap_create();
}

const char *graph_fragment_file(const bsp_dataset *ds, size_t fi, int32_t field)
{
    const Lance__Table__DataFragment *f = ds->mf.m->fragments[fi];
    size_t file;
    uint32_t col;
    if (!dataset_locate(f, field, &file, &col)) return "";
    return f->files[file]->path ? f->files[file]->path : "";
}

bool graph_segment_valid(const bsp_dataset *ds, const graph_index *gi,
                         const Bindspace__V1__NeighborIndex__Segment *s, size_t fi,
                         const roaring_bitmap_t *bitmap)
{
    const bsp_fragment_info *f = &ds->frags[fi];
    if (!s || s->fragment_id != f->id || !s->path) return false;
    if (!roaring_bitmap_contains(bitmap, (uint32_t)f->id)) return false;
    if (s->physical_rows != f->physical_rows) return false;
    const char *src = graph_fragment_file(ds, fi, gi->details->src_field);
    const char *dst = graph_fragment_file(ds, fi, gi->details->dst_field);
    if (!s->data_file || strcmp(s->data_file, src) != 0 || strcmp(src, dst) != 0) return false;
    return true;
}

static const Bindspace__V1__NeighborIndex__Segment *find_seg(const graph_index *gi, uint64_t id)
{
    if (!gi->details) return NULL;
    for (size_t i = 0; i < gi->details->n_segments; i++)
        if (gi->details->segments[i]->fragment_id == id) return gi->details->segments[i];
    return NULL;
}

/* Whether src/dst of the index are still columns of the table. */
static bool fields_alive(const bsp_dataset *ds, const graph_index *gi)
{
    bool s = false, d = false;
    for (size_t i = 0; i < ds->schema.nfields; i++) {
        if (ds->schema.fields[i].id == gi->details->src_field) s = true;
        if (ds->schema.fields[i].id == gi->details->dst_field) d = true;
    }
    return s && d;
}

/* ---- status ------------------------------------------------------------------------------ */

static void uuid_text(const Lance__Table__IndexMetadata *im, char out[37])
{
    out[0] = 0;
    if (!im->uuid || !im->uuid->has_uuid || im->uuid->uuid.len != 16) return;
    char *p = out;
    for (int k = 0; k < 16; k++) {
        p += sprintf(p, "%02x", im->uuid->uuid.data[k]);
        if (k == 3 || k == 5 || k == 7 || k == 9) *p++ = '-';
    }
}

int bsp_graph_index_status(const char *db, bsp_graph_index_info *out)
{
    memset(out, 0, sizeof *out);
    char *path = bsp_graph_edges_path(db);
    if (!path) return oom();
    bsp_dataset *ds;
    int rc = bsp_dataset_open(path, 0, &ds);
    free(path);
    if (rc) return rc;
    out->table_version = bsp_dataset_version(ds);
    out->live_fragments = bsp_dataset_fragment_count(ds);
    graph_index gi;
    rc = graph_index_find(ds, &gi);
    if (rc <= 0) {
        out->unindexed = out->live_fragments;
        bsp_dataset_free(ds);
        return rc;
    }
    rc = BSP_OK;
    out->present = true;
    out->index_dataset_version = gi.meta->dataset_version;
    uuid_text(gi.meta, out->uuid);
    roaring_bitmap_t *bm = graph_index_bitmap(gi.meta);
    bool alive = fields_alive(ds, &gi);
    size_t valid = 0;
    for (size_t fi = 0; fi < out->live_fragments; fi++) {
        const Bindspace__V1__NeighborIndex__Segment *s = find_seg(&gi, ds->frags[fi].id);
        if (alive && graph_segment_valid(ds, &gi, s, fi, bm)) {
            out->covered++;
            valid++;
            out->entries += s->entries;
            uint64_t del = ds->frags[fi].deleted_rows;
            out->deleted_since_build += del > s->deleted_at_build ? del - s->deleted_at_build : 0;
        } else {
            out->unindexed++;
        }
    }
    out->stale = gi.details->n_segments - valid;
    rb_free(bm);
    graph_index_free(&gi);
    bsp_dataset_free(ds);
    return rc;
}

/* ---- reconcile / build ------------------------------------------------------------------- */

static int uuid_bytes(const char *txt, uint8_t out[16])
{
    int k = 0;
    for (const char *p = txt; *p && k < 16; p++) {
        if (*p == '-') continue;
        unsigned v;
        if (sscanf(p, "%2x", &v) != 1) return bsp_err(BSP_EIO, "bad uuid %s", txt);
        out[k++] = (uint8_t)v;
        p++;
    }
    return k == 16 ? BSP_OK : bsp_err(BSP_EIO, "bad uuid %s", txt);
}

static int set_bitmap(ProtobufCBinaryData *out, const roaring_bitmap_t *bm)
{
    roaring_bitmap_t *copy = roaring_bitmap_copy(bm);
    if (!copy) return oom();
    roaring_bitmap_run_optimize(copy);
    size_t n = roaring_bitmap_portable_size_in_bytes(copy);
    out->data = malloc(n);
    if (!out->data) {
        rb_free(copy);
        return oom();
    }
    out->len = roaring_bitmap_portable_serialize(copy, (char *)out->data);
    rb_free(copy);
    return BSP_OK;
}

/* Link (or copy) a kept segment file into the new index directory. */
static int keep_file(const char *from, const char *to)
{
    if (link(from, to) == 0) return BSP_OK;
    if (errno != EXDEV && errno != EPERM && errno != EMLINK)
        return bsp_err(BSP_EIO, "%s: cannot link to %s: %s", from, to, strerror(errno));
    uint8_t *buf;
    size_t len;
    int rc = io_read_file(from, &buf, &len);
    if (rc) return rc;
    rc = io_write_new(to, buf, len);
    free(buf);
    return rc;
}

typedef struct plan {
    Bindspace__V1__NeighborIndex details;
    Bindspace__V1__NeighborIndex__Segment **segs;
    size_t nsegs;
} plan;

static void plan_free(plan *p)
{
    for (size_t i = 0; i < p->nsegs; i++) {
        free(p->segs[i]->path);
        free(p->segs[i]->data_file);
        free(p->segs[i]);
    }
    free(p->segs);
    memset(p, 0, sizeof *p);
}

static int commit_index(bsp_dataset *ds, const graph_index *old, Lance__Table__IndexMetadata *nw,
                        uint64_t *new_version)
{
    commit_op op;
    memset(&op, 0, sizeof op);
    op.kind = COMMIT_CREATE_INDEX;
    int rc = BSP_OK;
    if (nw) {
        if (!(op.new_indices = malloc(sizeof *op.new_indices))) return oom();
        if (!(op.new_indices[0] = manifest_pb_dup(nw))) rc = oom();
        else op.n_new_indices = 1;
    }
    if (!rc && old && old->meta) {
        if (!(op.removed_indices = malloc(sizeof *op.removed_indices))) rc = oom();
        else if (!(op.removed_indices[0] = manifest_pb_dup(old->meta))) rc = oom();
        else op.n_removed_indices = 1;
    }
    if (!rc) rc = commit_run(ds->path, &ds->mf, ds->mf.naming, &op, new_version);
    commit_op_free(&op);
    return rc;
}

/* One reconcile attempt. build: rebuild everything (and create when missing). */
static int reconcile_once(const char *db, bool build, const bsp_progress *progress,
                          bsp_graph_reconcile_report *rep)
{
    memset(rep, 0, sizeof *rep);
    char *path = bsp_graph_edges_path(db);
    if (!path) return oom();
    bsp_dataset *ds;
    int rc = dataset_open_for_write(path, &ds);
    free(path);
    if (rc) return rc;
    graph_index gi;
    rc = graph_index_find(ds, &gi);
    if (rc < 0) {
        bsp_dataset_free(ds);
        return rc;
    }
    rep->had_index = rc == 1;
    rep->new_version = bsp_dataset_version(ds);
    rc = BSP_OK;
    typedict types = {0};
    plan pl = {0};
    roaring_bitmap_t *bm = NULL, *cover = roaring_bitmap_create();
    char *dir = NULL;
    Lance__Table__IndexMetadata meta;
    lance__table__index_metadata__init(&meta);
    Lance__Table__UUID uuid_msg;
    lance__table__uuid__init(&uuid_msg);
    Bsp__Wkt__Any any;
    bsp__wkt__any__init(&any);
    uint8_t uuid16[16];
    if (!cover) {
        rc = oom();
        goto out;
    }
    if (!rep->had_index && !build) {
        snprintf(rep->action, sizeof rep->action, "no neighbour index: nothing to do");
        goto out;
    }
    if (rep->had_index && !fields_alive(ds, &gi)) {
        rep->dropped = true;
        if (build) {
            rc = bsp_err(BSP_EINVAL, "%s: src/dst columns are gone: cannot build", ds->path);
            goto out;
        }
        if ((rc = commit_index(ds, &gi, NULL, &rep->new_version))) goto out;
        rep->committed = true;
        snprintf(rep->action, sizeof rep->action, "indexed column dropped: index dropped");
        goto out;
    }
    edge_cols ec;
    if ((rc = graph_edge_cols(ds, &ec))) goto out;
    bool reuse = rep->had_index && !build;
    if (reuse)
        for (size_t i = 0; i < gi.details->n_types && !rc; i++) {
            uint32_t id;
            rc = typedict_add(&types, gi.details->types[i], strlen(gi.details->types[i]), &id);
            if (!rc && id != i)
                rc = bsp_err(BSP_ECORRUPT, "%s: neighbour index type '%s' listed twice",
                             ds->path, gi.details->types[i]);
        }
    if (rc) goto out;
    bm = graph_index_bitmap(gi.meta);
    if (!bm) {
        rc = oom();
        goto out;
    }
    size_t nfr = bsp_dataset_fragment_count(ds);
    /* Decide per fragment. */
    const Bindspace__V1__NeighborIndex__Segment **keep = calloc(nfr ? nfr : 1, sizeof *keep);
    if (!keep) {
        rc = oom();
        goto out;
    }
    size_t nkeep_valid = 0;
    for (size_t fi = 0; fi < nfr; fi++) {
        const Bindspace__V1__NeighborIndex__Segment *s = reuse ? find_seg(&gi, ds->frags[fi].id) : NULL;
        if (!graph_segment_valid(ds, &gi, s, fi, bm)) continue;
        nkeep_valid++;
        uint64_t del = ds->frags[fi].deleted_rows;
        uint64_t since = del > s->deleted_at_build ? del - s->deleted_at_build : 0;
        if ((double)since > GRAPH_REBUILD_DELETED_FRACTION * (double)ds->frags[fi].physical_rows) {
            rep->rebuilt_deletions++;
            continue;
        }
        keep[fi] = s;
    }
    size_t old_segs = reuse ? gi.details->n_segments : 0;
    rep->removed = old_segs - nkeep_valid;
    for (size_t fi = 0; fi < nfr; fi++) {
        if (keep[fi]) rep->kept++;
        else rep->built++;
        roaring_bitmap_add(cover, (uint32_t)ds->frags[fi].id);
    }
    bool same_bitmap = rep->had_index && roaring_bitmap_equals(bm, cover);
    if (rep->had_index && !build && rep->built == 0 && rep->removed == 0 && same_bitmap) {
        free(keep);
        snprintf(rep->action, sizeof rep->action, "index covers all %zu live fragments: nothing to do",
                 nfr);
        goto out;
    }
    /* New directory, segments, details, metadata. */
    char uuid[37];
    if ((rc = io_uuid_v4(uuid)) || (rc = uuid_bytes(uuid, uuid16))) {
        free(keep);
        goto out;
    }
    size_t dl = strlen(ds->path) + 64;
    if (!(dir = malloc(dl))) {
        free(keep);
        rc = oom();
        goto out;
    }
    snprintf(dir, dl, "%s/_indices/%s", ds->path, uuid);
    if ((rc = io_mkdir_p(dir))) {
        free(keep);
        goto out;
    }
    if (!(pl.segs = calloc(nfr ? nfr : 1, sizeof *pl.segs))) {
        free(keep);
        rc = oom();
        goto out;
    }
    uint64_t done_rows = 0, total_rows = 0;
    for (size_t fi = 0; fi < nfr; fi++)
        if (!keep[fi]) total_rows += ds->frags[fi].physical_rows;
    for (size_t fi = 0; fi < nfr && !rc; fi++) {
        const bsp_fragment_info *f = &ds->frags[fi];
        Bindspace__V1__NeighborIndex__Segment *s = malloc(sizeof *s);
        if (!s) {
            rc = oom();
            break;
        }
        bindspace__v1__neighbor_index__segment__init(s);
        pl.segs[pl.nsegs++] = s;
        char rel[128];
        snprintf(rel, sizeof rel, "_indices/%s/frag-%" PRIu64 ".lance", uuid, f->id);
        s->path = strdup(rel);
        s->data_file = strdup(graph_fragment_file(ds, fi, ds->schema.fields[ec.src].id));
        if (!s->path || !s->data_file) {
            rc = oom();
            break;
        }
        s->has_fragment_id = s->has_physical_rows = s->has_entries = s->has_deleted_at_build = 1;
        s->fragment_id = f->id;
        s->physical_rows = f->physical_rows;
        char *to = io_path_join(ds->path, rel);
        if (!to) {
            rc = oom();
            break;
        }
        if (keep[fi]) {
            s->entries = keep[fi]->entries;
            s->deleted_at_build = keep[fi]->deleted_at_build;
            char *from = io_path_join(ds->path, keep[fi]->path);
            rc = from ? keep_file(from, to) : oom();
            free(from);
        } else {
            roaring_bitmap_t *dv = NULL;
            nseg seg;
            rc = dataset_deletions(ds, fi, &dv);
            if (!rc) rc = nseg_build(ds, fi, &ec, dv, &types, &seg);
            rb_free(dv);
            if (!rc) {
                s->entries = seg.n[0];
                s->deleted_at_build = f->deleted_rows;
                rc = nseg_write(to, &seg);
                nseg_free(&seg);
            }
            done_rows += f->physical_rows;
            if (!rc) bsp_progress_report(progress, "index", done_rows, total_rows);
        }
        free(to);
    }
    free(keep);
    if (rc) goto out;
    if ((rc = io_fsync_dir(dir))) goto out;
    bindspace__v1__neighbor_index__init(&pl.details);
    pl.details.has_format_version = pl.details.has_src_field = pl.details.has_dst_field = 1;
    pl.details.format_version = GRAPH_FORMAT_VERSION;
    pl.details.src_field = ds->schema.fields[ec.src].id;
    pl.details.dst_field = ds->schema.fields[ec.dst].id;
    if (ec.type >= 0) {
        pl.details.has_type_field = 1;
        pl.details.type_field = ds->schema.fields[ec.type].id;
    }
    pl.details.types = types.names;
    pl.details.n_types = types.n;
    pl.details.segments = pl.segs;
    pl.details.n_segments = pl.nsegs;
    any.type_url = (char *)BSP_GRAPH_INDEX_TYPE_URL;
    any.has_value = 1;
    any.value.len = bindspace__v1__neighbor_index__get_packed_size(&pl.details);
    if (!(any.value.data = malloc(any.value.len ? any.value.len : 1))) {
        rc = oom();
        goto out;
    }
    bindspace__v1__neighbor_index__pack(&pl.details, any.value.data);
    /* Metadata: an edited copy of the old entry keeps fields we do not know. */
    Lance__Table__IndexMetadata *nm = rep->had_index ? manifest_pb_dup(gi.meta) : NULL;
    Lance__Table__IndexMetadata *m = nm ? nm : &meta;
    if (rep->had_index && !nm) {
        rc = oom();
        goto out;
    }
    Lance__Table__UUID *saved_uuid = m->uuid;
    Bsp__Wkt__Any *saved_any = m->index_details;
    ProtobufCBinaryData saved_bm = m->fragment_bitmap;
    char *saved_name = m->name;
    int32_t *saved_fields = m->fields;
    size_t saved_nf = m->n_fields;
    int32_t fields[2] = {pl.details.src_field, pl.details.dst_field};
    uuid_msg.has_uuid = 1;
    uuid_msg.uuid.data = uuid16;
    uuid_msg.uuid.len = 16;
    m->uuid = &uuid_msg;
    m->index_details = &any;
    m->name = (char *)BSP_GRAPH_INDEX_NAME;
    m->fields = fields;
    m->n_fields = 1; /* [src]: Lance 10 refuses to compact a table with a multi-field index */
    m->has_dataset_version = 1;
    m->dataset_version = bsp_dataset_version(ds);
    m->has_index_version = 1;
    m->index_version = 0;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    m->has_created_at = 1;
    m->created_at = (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
    m->has_fragment_bitmap = 1;
    if (!(rc = set_bitmap(&m->fragment_bitmap, cover))) {
        rc = commit_index(ds, rep->had_index ? &gi : NULL, m, &rep->new_version);
        free(m->fragment_bitmap.data);
    }
    m->uuid = saved_uuid;
    m->index_details = saved_any;
    m->fragment_bitmap = saved_bm;
    m->name = saved_name;
    m->fields = saved_fields;
    m->n_fields = saved_nf;
    if (nm) protobuf_c_message_free_unpacked(&nm->base, NULL);
    if (rc) goto out;
    rep->committed = true;
    snprintf(rep->action, sizeof rep->action,
             "%s: %zu segments built, %zu kept, %zu removed, %zu rebuilt for deletions",
             build ? "rebuilt" : "reconciled", rep->built, rep->kept, rep->removed,
             rep->rebuilt_deletions);
out:
    free(any.value.data);
    free(dir);
    plan_free(&pl);
    typedict_free(&types);
    rb_free(bm);
    rb_free(cover);
    graph_index_free(&gi);
    bsp_dataset_free(ds);
    return rc;
}

static int run_retrying(const char *db, bool build, const bsp_progress *progress,
                        bsp_graph_reconcile_report *rep)
{
    bsp_graph_reconcile_report local;
    if (!rep) rep = &local;
    int rc = BSP_OK;
    for (int attempt = 0; attempt < 4; attempt++) {
        rc = reconcile_once(db, build, progress, rep);
        if (rc != BSP_ECONFLICT) break;
    }
    return rc;
}

int bsp_graph_reconcile(const char *db, bsp_graph_reconcile_report *rep)
{
    return run_retrying(db, false, NULL, rep);
}

int bsp_graph_index_build(const char *db, const bsp_progress *progress, uint64_t *new_version)
{
    bsp_graph_reconcile_report rep;
    int rc = run_retrying(db, true, progress, &rep);
    if (!rc && new_version) *new_version = rep.new_version;
    return rc;
}
