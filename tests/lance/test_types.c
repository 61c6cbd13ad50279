/* Type names (Lance logical types and CLI short names), widths, schema helpers. */
#include "bindspace/batch.h"
#include "bindspace/error.h"
#include "test.h"

static void test_lance_names_round_trip(void)
{
    const char *names[] = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                           "uint32", "uint64", "float", "double", "string", "binary",
                           "large_string", "large_binary", "fixed_size_binary:2048",
                           "fixed_size_list:uint8:2048", "fixed_size_list:float:768"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        bsp_type t;
        char buf[64];
        CHECK_OK(bsp_type_parse(names[i], &t));
        CHECK_STR(bsp_type_format(t, buf, sizeof buf), names[i]);
    }
    bsp_type t;
    CHECK_OK(bsp_type_parse("fixed_size_list:uint8:2048", &t));
    CHECK_EQ_U(t.id, BSP_T_FSL_UINT8);
    CHECK_EQ_U(t.dim, 2048);
    CHECK_EQ_U(bsp_type_width(t), 2048);
    CHECK(bsp_type_is_fingerprint(t));
    CHECK_OK(bsp_type_parse("fixed_size_list:float:768", &t));
    CHECK_EQ_U(bsp_type_width(t), 3072);
    CHECK_ERR(bsp_type_parse("halffloat", &t), BSP_EUNSUPPORTED, "halffloat");
    CHECK_ERR(bsp_type_parse("fixed_size_list:int32:4", &t), BSP_EUNSUPPORTED, "int32:4");
    CHECK_ERR(bsp_type_parse("fixed_size_binary:0", &t), BSP_EUNSUPPORTED, NULL);
    CHECK_ERR(bsp_type_parse("fixed_size_binary:", &t), BSP_EUNSUPPORTED, NULL);
    CHECK_ERR(bsp_type_parse("fixed_size_binary:99999999999", &t), BSP_EUNSUPPORTED, NULL);
    CHECK_ERR(bsp_type_parse("int64x", &t), BSP_EUNSUPPORTED, NULL);
    CHECK_ERR(bsp_type_parse("", &t), BSP_EUNSUPPORTED, NULL);
}

static void test_short_names(void)
{
    struct { const char *s; bsp_type_id id; uint32_t dim; size_t width; } cases[] = {
        {"bool", BSP_T_BOOL, 0, 0},       {"i8", BSP_T_INT8, 0, 1},
        {"i64", BSP_T_INT64, 0, 8},       {"u16", BSP_T_UINT16, 0, 2},
        {"u64", BSP_T_UINT64, 0, 8},      {"f32", BSP_T_FLOAT32, 0, 4},
        {"f64", BSP_T_FLOAT64, 0, 8},     {"utf8", BSP_T_UTF8, 0, 0},
        {"binary", BSP_T_BINARY, 0, 0},   {"fsb:16", BSP_T_FIXED_BINARY, 16, 16},
        {"fsl_u8:2048", BSP_T_FSL_UINT8, 2048, 2048},
        {"fsl_f32:4", BSP_T_FSL_FLOAT32, 4, 16},
        {"uint32", BSP_T_UINT32, 0, 4},   {"string", BSP_T_UTF8, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bsp_type t;
        CHECK_OK(bsp_type_parse_short(cases[i].s, &t));
        CHECK_EQ_U(t.id, cases[i].id);
        CHECK_EQ_U(t.dim, cases[i].dim);
        CHECK_EQ_U(bsp_type_width(t), cases[i].width);
    }
    bsp_type t;
    CHECK_ERR(bsp_type_parse_short("u128", &t), BSP_EINVAL, "u128");
    CHECK_ERR(bsp_type_parse_short("fsl_u8", &t), BSP_EINVAL, NULL);
    CHECK(bsp_type_is_var((bsp_type){BSP_T_LARGE_BINARY, 0}));
    CHECK(!bsp_type_is_var((bsp_type){BSP_T_FIXED_BINARY, 8}));
}

static void test_schema_helpers(void)
{
    bsp_field f[2] = {{"a", {BSP_T_INT64, 0}, false, 0}, {"fp", {BSP_T_FSL_UINT8, 2048}, true, 1}};
    bsp_schema s = {2, f}, c;
    CHECK_OK(bsp_schema_copy(&c, &s));
    CHECK_EQ_U(c.nfields, 2);
    CHECK(c.fields[0].name != f[0].name);
    CHECK_STR(c.fields[1].name, "fp");
    CHECK_EQ_U(c.fields[1].type.dim, 2048);
    CHECK(c.fields[1].nullable);
    CHECK_EQ_I(bsp_schema_find(&c, "fp"), 1);
    CHECK_EQ_I(bsp_schema_find(&c, "zz"), -1);
    bsp_schema_free(&c);
    CHECK_EQ_U(c.nfields, 0);

    bsp_batch b = {0};
    b.ncols = 1;
    b.cols = calloc(1, sizeof *b.cols);
    b.cols[0].data = malloc(8);
    bsp_batch_free(&b);
    CHECK(b.cols == NULL);
}

int main(void)
{
    RUN(test_lance_names_round_trip);
    RUN(test_short_names);
    RUN(test_schema_helpers);
    return test_finish();
}
