/*
 * Every NULL (and otherwise invalid) argument of both APIs: a clean failure code, a
 * reason in devlink3_last_error, and out-parameters left untouched.
 *
 *   null_arguments TARGET
 */
#include "harness.h"

#include "devlink.h"
#include "devlink3.h"

static char last[512];

static void CALLBACK comms_event(DWORD pbxh, DWORD comms_state, DWORD parm1)
{
    (void)pbxh;
    (void)comms_state;
    (void)parm1;
}

static void CALLBACK call_record(DWORD pbxh, TEXT *info)
{
    (void)pbxh;
    (void)info;
}

/* The last error must mention `needle`. */
static void expect_reason(const char *needle, int line)
{
    size_t len = devlink3_last_error(last, sizeof last);
    if (len == 0 || strstr(last, needle) == NULL) fail("line %d: last error %s lacks %s", line, last, needle);
}

#define EXPECT_LEGACY(call, code, needle) \
    do { \
        LONG rc_ = (call); \
        if (rc_ != (code)) fail("line %d: %s returned %ld", __LINE__, #call, (long)rc_); \
        expect_reason(needle, __LINE__); \
    } while (0)

#define EXPECT_STATUS(call, code, needle) \
    do { \
        devlink3_status rc_ = (call); \
        if (rc_ != (code)) fail("line %d: %s returned %s", __LINE__, #call, devlink3_status_name(rc_)); \
        expect_reason(needle, __LINE__); \
    } while (0)

static void legacy(char *target)
{
    char pw[] = "devlink3";
    char user[] = "devlink3";
    char broadcast[] = "255.255.255.255";
    char bad_option[] = "colour=blue";
    char delta3[] = "events=delta3";

    EXPECT_LEGACY(DLOpen(1, NULL, pw, NULL, NULL, comms_event), DEVLINK_UNSPECIFIEDFAIL, "pbx_address");
    EXPECT_LEGACY(DLOpen(1, target, NULL, NULL, NULL, comms_event), DEVLINK_UNSPECIFIEDFAIL, "pbx_password");
    EXPECT_LEGACY(DLOpen(1, target, pw, NULL, NULL, NULL), DEVLINK_UNSPECIFIEDFAIL, "cb");
    EXPECT_LEGACY(DLOpen(1, broadcast, pw, user, NULL, comms_event), DEVLINK_UNSPECIFIEDFAIL, "255.255.255.255");
    EXPECT_LEGACY(DLOpen(1, target, pw, user, bad_option, comms_event), DEVLINK_UNSPECIFIEDFAIL, "colour");
    unsetenv("DEVLINK3_USER");
    EXPECT_LEGACY(DLOpen(1, target, pw, NULL, NULL, comms_event), DEVLINK_UNSPECIFIEDFAIL, "DEVLINK3_USER");

    EXPECT_LEGACY(DLClose(12345), DEVLINK_UNSPECIFIEDFAIL, "12345");
    EXPECT_LEGACY(DLRegisterType2CallDeltas(12345, call_record), DEVLINK_UNSPECIFIEDFAIL, "not open");
    EXPECT_LEGACY(DLRegisterType3CallDeltas(12345, call_record), DEVLINK_UNSPECIFIEDFAIL, "not open");
    EXPECT_LEGACY(DLRegisterType2CallDeltas(12345, NULL), DEVLINK_UNSPECIFIEDFAIL, "not open");
    EXPECT_LEGACY(DLRegisterCallLog(12345, call_record), DEVLINK_UNSPECIFIEDFAIL, "not open");

    /* A link with no events= option: its first registration chooses the kind of record */
    CHECK(DLOpen(1, target, pw, user, NULL, comms_event) == DEVLINK_SUCCESS);
    EXPECT_LEGACY(DLOpen(1, target, pw, user, NULL, comms_event), DEVLINK_UNSPECIFIEDFAIL, "already open");
    CHECK(DLRegisterType3CallDeltas(1, NULL) == DEVLINK_SUCCESS); /* NULL chooses nothing */
    CHECK(DLRegisterType2CallDeltas(1, call_record) == DEVLINK_SUCCESS);
    EXPECT_LEGACY(DLRegisterType3CallDeltas(1, call_record), DEVLINK_UNSPECIFIEDFAIL, "events=delta3");
    CHECK(DLRegisterType3CallDeltas(1, NULL) == DEVLINK_SUCCESS);
    CHECK(DLRegisterType2CallDeltas(1, call_record) == DEVLINK_SUCCESS);
    CHECK(DLRegisterType2CallDeltas(1, NULL) == DEVLINK_SUCCESS);
    /* The 2001 call log: accepted (and never called) */
    CHECK(DLRegisterCallLog(1, call_record) == DEVLINK_SUCCESS);
    CHECK(DLRegisterCallLog(1, NULL) == DEVLINK_SUCCESS);
    CHECK(DLClose(1) == DEVLINK_SUCCESS);
    /* A Delta3 link */
    CHECK(DLOpen(2, target, pw, user, delta3, comms_event) == DEVLINK_SUCCESS);
    EXPECT_LEGACY(DLRegisterType2CallDeltas(2, call_record), DEVLINK_UNSPECIFIEDFAIL, "events=delta2");
    CHECK(DLRegisterType3CallDeltas(2, call_record) == DEVLINK_SUCCESS);
    CHECK(DLClose(2) == DEVLINK_SUCCESS);
}

static void last_error(void)
{
    char small[4];
    size_t full;
    EXPECT_LEGACY(DLClose(999), DEVLINK_UNSPECIFIEDFAIL, "999");
    full = devlink3_last_error(NULL, 0);
    CHECK(full == strlen(last));
    memset(small, 'x', sizeof small);
    CHECK(devlink3_last_error(small, sizeof small) == full);
    CHECK(small[3] == '\0' && strncmp(small, last, 3) == 0);
    CHECK(devlink3_last_error(small, 0) == full);
    CHECK(small[3] == '\0');
}

static int sentinel;
#define SENTINEL(type) ((type)(void *)&sentinel)

static void extended(const char *target)
{
    devlink3_config *config = SENTINEL(devlink3_config *);
    devlink3_link *link = SENTINEL(devlink3_link *);
    devlink3_event *event = SENTINEL(devlink3_event *);
    devlink3_callbacks callbacks;
    devlink3_state state = DEVLINK3_STATE_CLOSED;
    uint8_t *data = SENTINEL(uint8_t *);
    size_t len = 12345;

    EXPECT_STATUS(devlink3_config_new(NULL, "u", "p", &config), DEVLINK3_STATUS_NULL_ARGUMENT, "target");
    EXPECT_STATUS(devlink3_config_new(target, NULL, "p", &config), DEVLINK3_STATUS_NULL_ARGUMENT, "user");
    EXPECT_STATUS(devlink3_config_new(target, "u", NULL, &config), DEVLINK3_STATUS_NULL_ARGUMENT, "password");
    EXPECT_STATUS(devlink3_config_new(target, "u", "p", NULL), DEVLINK3_STATUS_NULL_ARGUMENT, "config_out");
    EXPECT_STATUS(devlink3_config_new("\xff", "u", "p", &config), DEVLINK3_STATUS_INVALID_ARGUMENT, "UTF-8");
    CHECK(config == SENTINEL(devlink3_config *));

    EXPECT_STATUS(devlink3_config_set_options(NULL, "queue=1"), DEVLINK3_STATUS_NULL_ARGUMENT, "config");
    EXPECT_STATUS(devlink3_config_set_app_name(NULL, "x"), DEVLINK3_STATUS_NULL_ARGUMENT, "config");
    EXPECT_STATUS(devlink3_config_set_flags(NULL, ""), DEVLINK3_STATUS_NULL_ARGUMENT, "config");
    EXPECT_STATUS(devlink3_config_set_tls_ca_file(NULL, "x"), DEVLINK3_STATUS_NULL_ARGUMENT, "config");
    EXPECT_STATUS(devlink3_config_set_tls_pin(NULL, "x"), DEVLINK3_STATUS_NULL_ARGUMENT, "config");
    EXPECT_STATUS(devlink3_config_set_tls_insecure(NULL, true), DEVLINK3_STATUS_NULL_ARGUMENT, "config");
    EXPECT_STATUS(devlink3_config_set_tls_client_cert(NULL, "c", "k"), DEVLINK3_STATUS_NULL_ARGUMENT, "config");
    EXPECT_STATUS(devlink3_config_set_queue_capacity(NULL, 1), DEVLINK3_STATUS_NULL_ARGUMENT, "config");
    EXPECT_STATUS(devlink3_config_set_keepalive(NULL, 1000, 2), DEVLINK3_STATUS_NULL_ARGUMENT, "config");

    CHECK(devlink3_config_new(target, "devlink3", "devlink3", &config) == DEVLINK3_STATUS_OK);
    CHECK(config != SENTINEL(devlink3_config *) && config != NULL);
    EXPECT_STATUS(devlink3_config_set_options(config, NULL), DEVLINK3_STATUS_NULL_ARGUMENT, "options");
    EXPECT_STATUS(devlink3_config_set_app_name(config, NULL), DEVLINK3_STATUS_NULL_ARGUMENT, "name");
    EXPECT_STATUS(devlink3_config_set_flags(config, NULL), DEVLINK3_STATUS_NULL_ARGUMENT, "flags");
    EXPECT_STATUS(devlink3_config_set_tls_ca_file(config, NULL), DEVLINK3_STATUS_NULL_ARGUMENT, "path");
    EXPECT_STATUS(devlink3_config_set_tls_pin(config, NULL), DEVLINK3_STATUS_NULL_ARGUMENT, "sha256");
    EXPECT_STATUS(devlink3_config_set_tls_client_cert(config, NULL, "k"), DEVLINK3_STATUS_NULL_ARGUMENT, "cert_file");
    EXPECT_STATUS(devlink3_config_set_tls_client_cert(config, "c", NULL), DEVLINK3_STATUS_NULL_ARGUMENT, "key_file");
    EXPECT_STATUS(devlink3_config_set_tls_pin(config, "zz"), DEVLINK3_STATUS_INVALID_ARGUMENT, "64 hex digits");
    EXPECT_STATUS(devlink3_config_set_queue_capacity(config, 0), DEVLINK3_STATUS_INVALID_ARGUMENT, "queue");
    EXPECT_STATUS(devlink3_config_set_keepalive(config, 0, 2), DEVLINK3_STATUS_INVALID_ARGUMENT, "keepalive");
    EXPECT_STATUS(devlink3_config_set_options(config, "app=x;nope=1"), DEVLINK3_STATUS_INVALID_ARGUMENT, "nope");

    EXPECT_STATUS(devlink3_open(NULL, &link), DEVLINK3_STATUS_NULL_ARGUMENT, "config");
    EXPECT_STATUS(devlink3_open(config, NULL), DEVLINK3_STATUS_NULL_ARGUMENT, "link_out");
    CHECK(link == SENTINEL(devlink3_link *));
    CHECK(devlink3_open(config, &link) == DEVLINK3_STATUS_OK);
    CHECK(link != SENTINEL(devlink3_link *) && link != NULL);

    EXPECT_STATUS(devlink3_next_event(NULL, 0, &event), DEVLINK3_STATUS_NULL_ARGUMENT, "link");
    EXPECT_STATUS(devlink3_next_event(link, 0, NULL), DEVLINK3_STATUS_NULL_ARGUMENT, "event_out");
    CHECK(event == SENTINEL(devlink3_event *));
    EXPECT_STATUS(devlink3_get_state(NULL, &state), DEVLINK3_STATUS_NULL_ARGUMENT, "link");
    EXPECT_STATUS(devlink3_get_state(link, NULL), DEVLINK3_STATUS_NULL_ARGUMENT, "state_out");
    CHECK(state == DEVLINK3_STATE_CLOSED);
    EXPECT_STATUS(devlink3_read_file(NULL, "f", &data, &len), DEVLINK3_STATUS_NULL_ARGUMENT, "link");
    EXPECT_STATUS(devlink3_read_file(link, NULL, &data, &len), DEVLINK3_STATUS_NULL_ARGUMENT, "name");
    EXPECT_STATUS(devlink3_read_file(link, "f", NULL, &len), DEVLINK3_STATUS_NULL_ARGUMENT, "data_out");
    EXPECT_STATUS(devlink3_read_file(link, "f", &data, NULL), DEVLINK3_STATUS_NULL_ARGUMENT, "len_out");
    CHECK(data == SENTINEL(uint8_t *) && len == 12345);
    memset(&callbacks, 0, sizeof callbacks);
    EXPECT_STATUS(devlink3_set_callbacks(NULL, &callbacks), DEVLINK3_STATUS_NULL_ARGUMENT, "link");
    EXPECT_STATUS(devlink3_set_callbacks(link, NULL), DEVLINK3_STATUS_NULL_ARGUMENT, "callbacks");
    /* struct_size left 0 (or too small): refused, naming the field. */
    EXPECT_STATUS(devlink3_set_callbacks(link, &callbacks), DEVLINK3_STATUS_INVALID_ARGUMENT, "struct_size");
    callbacks.struct_size = sizeof callbacks - 1;
    EXPECT_STATUS(devlink3_set_callbacks(link, &callbacks), DEVLINK3_STATUS_INVALID_ARGUMENT, "struct_size");
    devlink3_close(link);

    /* The address is checked when the link opens. */
    devlink3_config_free(config);
    CHECK(devlink3_config_new("255.255.255.255", "u", "p", &config) == DEVLINK3_STATUS_OK);
    link = SENTINEL(devlink3_link *);
    EXPECT_STATUS(devlink3_open(config, &link), DEVLINK3_STATUS_INVALID_ARGUMENT, "255.255.255.255");
    CHECK(link == SENTINEL(devlink3_link *));
    devlink3_config_free(config);

    /* Releasing NULL is a no-op. */
    devlink3_close(NULL);
    devlink3_config_free(NULL);
    devlink3_event_free(NULL);
    devlink3_buffer_free(NULL);

    CHECK(strcmp(devlink3_status_name(DEVLINK3_STATUS_TIMEOUT), "DEVLINK3_STATUS_TIMEOUT") == 0);
    CHECK(strcmp(devlink3_status_name(999), "DEVLINK3_STATUS_UNKNOWN") == 0);
    CHECK(devlink3_version() != NULL && strlen(devlink3_version()) > 0);
}

int main(int argc, char **argv)
{
    if (argc < 2) fail("usage: null_arguments TARGET");
    legacy(argv[1]);
    last_error();
    extended(argv[1]);
    say("OK");
    return 0;
}
