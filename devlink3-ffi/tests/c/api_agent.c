/*
 * The extended API driven by the Rust test.
 *
 *   api_agent TARGET pull|push [FLAGS]
 *
 * Opens one link (user and password "devlink3", the event request FLAGS) and prints
 * every event as one line:
 *   STATE <state> <pbx_code> <reason>
 *   DETAIL <call_id> <party_a.calling_name> <party_b? 1:0> <targets> <raw hex>
 *   CALLLOST <end_id> <cause> <raw hex>       (and LINKLOST, REJECT likewise)
 *   DELTA2 <kind> <raw hex>
 *   SIPTRACK <event> <end_id> <sip_call_id>
 *   CMEXTN <extended> <extension> <v> <p1> <p2> <raw hex>
 *   MISSED <count> <reason>
 *   UNPARSED <tag> <error>
 * pull: the main thread loops on devlink3_next_event with a 100 ms timeout until a
 * second thread, reading stdin, asks it to stop; then it closes the link.
 * push: callbacks print; the main thread reads stdin and closes the link on "quit".
 *   "replace" sets a second callback set (prints "REPLACED"); each set's drop prints
 *   "DROP first" / "DROP second" when the library releases it.
 * Both modes understand "read <file>" (prints "FILE <hex>") and "quit".
 */
#include "harness.h"

#include "devlink3.h"

static devlink3_link *link_handle;
/* user_data of the second callback set ("replace"). */
static int second_set;
static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static int stop;

#define STR(s) (int)(s).len, (s).ptr

static void print_state(const devlink3_link_state *s)
{
    say("STATE %u %u %.*s", (unsigned)s->state, (unsigned)s->pbx_code, STR(s->reason));
}

static void print_delta3(const devlink3_delta3 *r)
{
    char head[512];
    switch (r->kind) {
    case DEVLINK3_DELTA3_KIND_DETAIL:
        CHECK(r->detail != NULL && r->call_lost == NULL);
        CHECK(r->detail->targets_len == 0 || r->detail->targets != NULL);
        sprintf(head, "DETAIL %u %.*s %d %u", (unsigned)r->detail->call.call_id, STR(r->detail->party_a.calling_name),
                r->detail->party_b != NULL, (unsigned)r->detail->targets_len);
        break;
    case DEVLINK3_DELTA3_KIND_CALL_LOST:
        CHECK(r->call_lost != NULL && r->detail == NULL);
        sprintf(head, "CALLLOST %.*s %u", STR(r->call_lost->end_id), (unsigned)r->call_lost->cause);
        break;
    case DEVLINK3_DELTA3_KIND_LINK_LOST:
        CHECK(r->link_lost != NULL);
        sprintf(head, "LINKLOST %.*s %u", STR(r->link_lost->end_id), (unsigned)r->link_lost->cause);
        break;
    case DEVLINK3_DELTA3_KIND_ATTEMPT_REJECT:
        CHECK(r->attempt_reject != NULL);
        sprintf(head, "REJECT %.*s %.*s", STR(r->attempt_reject->user), STR(r->attempt_reject->qualifier));
        break;
    default:
        fail("Delta3 kind %u", (unsigned)r->kind);
    }
    say_hex(head, r->raw.ptr, r->raw.len);
}

static void print_delta2(const devlink3_delta2 *r)
{
    char head[16];
    sprintf(head, "DELTA2 %c", r->kind);
    say_hex(head, r->raw.ptr, r->raw.len);
}

static void print_siptrack(const devlink3_siptrack *r)
{
    say("SIPTRACK %.*s %.*s %.*s", STR(r->event), STR(r->end_id), STR(r->sip_call_id));
}

static void print_cmextn(const devlink3_cmextn *r)
{
    char head[128];
    sprintf(head, "CMEXTN %d %.*s %u %u %u", (int)r->extended, STR(r->extension), (unsigned)r->v, (unsigned)r->p1,
            (unsigned)r->p2);
    say_hex(head, r->raw.ptr, r->raw.len);
}

static void print_missed(const devlink3_missed *m)
{
    say("MISSED %llu %u", (unsigned long long)m->count, (unsigned)m->reason);
}

static void print_unparsed(const devlink3_unparsed *u)
{
    say("UNPARSED %08x %.*s", (unsigned)u->tag, STR(u->error));
}

static void print_event(const devlink3_event *e)
{
    switch (e->kind) {
    case DEVLINK3_EVENT_KIND_LINK_STATE: print_state(e->link_state); break;
    case DEVLINK3_EVENT_KIND_DELTA3: print_delta3(e->delta3); break;
    case DEVLINK3_EVENT_KIND_DELTA2: print_delta2(e->delta2); break;
    case DEVLINK3_EVENT_KIND_SIPTRACK: print_siptrack(e->siptrack); break;
    case DEVLINK3_EVENT_KIND_CMEXTN: print_cmextn(e->cmextn); break;
    case DEVLINK3_EVENT_KIND_MISSED: print_missed(e->missed); break;
    case DEVLINK3_EVENT_KIND_UNPARSED: print_unparsed(e->unparsed); break;
    default: fail("event kind %u", (unsigned)e->kind);
    }
}

/* Push-mode callbacks; user_data is the link (or second_set), to show it comes back unchanged. */
static void on_state(void *user_data, const devlink3_link_state *s)
{
    CHECK(user_data == (void *)&link_handle || user_data == (void *)&second_set);
    print_state(s);
}
static void on_delta3(void *user_data, const devlink3_delta3 *r)
{
    (void)user_data;
    print_delta3(r);
}
static void on_delta2(void *user_data, const devlink3_delta2 *r)
{
    (void)user_data;
    print_delta2(r);
}
static void on_siptrack(void *user_data, const devlink3_siptrack *r)
{
    (void)user_data;
    print_siptrack(r);
}
static void on_cmextn(void *user_data, const devlink3_cmextn *r)
{
    (void)user_data;
    print_cmextn(r);
}
static void on_missed(void *user_data, const devlink3_missed *m)
{
    (void)user_data;
    print_missed(m);
}
static void on_unparsed(void *user_data, const devlink3_unparsed *u)
{
    (void)user_data;
    print_unparsed(u);
}

static void read_file(const char *name)
{
    uint8_t *data = NULL;
    size_t len = 0;
    devlink3_status rc = devlink3_read_file(link_handle, name, &data, &len);
    if (rc != DEVLINK3_STATUS_OK) {
        char why[256];
        devlink3_last_error(why, sizeof why);
        say("FILEERROR %s %s", devlink3_status_name(rc), why);
        return;
    }
    CHECK(data[len] == 0);
    say_hex("FILE", (const char *)data, len);
    devlink3_buffer_free(data);
}

static void on_drop(void *user_data)
{
    CHECK(user_data == (void *)&link_handle || user_data == (void *)&second_set);
    say("DROP %s", user_data == (void *)&second_set ? "second" : "first");
}

static void set_callbacks(void *user_data)
{
    devlink3_callbacks callbacks;
    memset(&callbacks, 0, sizeof callbacks);
    callbacks.struct_size = sizeof callbacks;
    callbacks.user_data = user_data;
    callbacks.link_state = on_state;
    callbacks.delta3 = on_delta3;
    callbacks.delta2 = on_delta2;
    callbacks.siptrack = on_siptrack;
    callbacks.cmextn = on_cmextn;
    callbacks.missed = on_missed;
    callbacks.unparsed = on_unparsed;
    callbacks.drop = on_drop;
    CHECK(devlink3_set_callbacks(link_handle, &callbacks) == DEVLINK3_STATUS_OK);
}

/* Commands from stdin, until "quit" or the end of input. */
static void *commands(void *unused)
{
    char command[256];
    (void)unused;
    while (read_command(command, sizeof command)) {
        if (strncmp(command, "read ", 5) == 0) {
            read_file(command + 5);
        } else if (strcmp(command, "replace") == 0) {
            set_callbacks(&second_set);
            say("REPLACED");
        } else if (strcmp(command, "quit") == 0) {
            break;
        } else {
            fail("unknown command %s", command);
        }
    }
    pthread_mutex_lock(&stop_lock);
    stop = 1;
    pthread_mutex_unlock(&stop_lock);
    return NULL;
}

static int stopping(void)
{
    int value;
    pthread_mutex_lock(&stop_lock);
    value = stop;
    pthread_mutex_unlock(&stop_lock);
    return value;
}

int main(int argc, char **argv)
{
    devlink3_config *config = NULL;
    int push;

    if (argc < 3) fail("usage: api_agent TARGET pull|push [FLAGS]");
    push = strcmp(argv[2], "push") == 0;
    CHECK(devlink3_config_new(argv[1], "devlink3", "devlink3", &config) == DEVLINK3_STATUS_OK);
    CHECK(devlink3_config_set_app_name(config, "api_agent") == DEVLINK3_STATUS_OK);
    if (argc > 3) CHECK(devlink3_config_set_flags(config, argv[3]) == DEVLINK3_STATUS_OK);
    CHECK(devlink3_open(config, &link_handle) == DEVLINK3_STATUS_OK);
    devlink3_config_free(config);

    if (push) {
        devlink3_event *event = NULL;
        set_callbacks(&link_handle);
        CHECK(devlink3_next_event(link_handle, 0, &event) == DEVLINK3_STATUS_CALLBACK_MODE);
        CHECK(event == NULL);
        say("READY");
        commands(NULL);
    } else {
        pthread_t reader;
        devlink3_status rc;
        say("READY");
        CHECK(pthread_create(&reader, NULL, commands, NULL) == 0);
        while (!stopping()) {
            devlink3_event *event = NULL;
            rc = devlink3_next_event(link_handle, 100, &event);
            if (rc == DEVLINK3_STATUS_TIMEOUT) {
                CHECK(event == NULL);
                continue;
            }
            if (rc != DEVLINK3_STATUS_OK) fail("devlink3_next_event: %s", devlink3_status_name(rc));
            print_event(event);
            devlink3_event_free(event);
        }
        pthread_join(reader, NULL);
    }
    devlink3_close(link_handle);
    say("BYE");
    return 0;
}
