/*
 * Pins devlink.h to the original DEVLINK.H (c) 2001: each export and callback type is
 * assigned to a pointer type written from the original prototypes, so any difference
 * in a parameter or return type fails to compile (-Werror; and as C++, where function
 * pointer types must match exactly). Also checks the sizes the ABI relies on, that
 * devlink.h and devlink3.h can be included together, and the constants' values.
 */
#include "devlink.h"
#include "devlink3.h"

#include <stdio.h>

/* The original prototypes, as function pointer types. */
typedef LONG (PASCAL *ORIGINAL_DLOPEN)(DWORD pbxh, TEXT *pbx_address, TEXT *pbx_password, TEXT *reserved1,
                                       TEXT *reserved2, DLCOMMSEVENT cb);
typedef LONG (PASCAL *ORIGINAL_DLCLOSE)(DWORD pbxh);
typedef LONG (PASCAL *ORIGINAL_DLREGISTERTYPE2CALLDELTAS)(DWORD pbxh, DLCALLLOGEVENT cb);
/* The original callback types. */
typedef void (CALLBACK *ORIGINAL_DLCALLLOGEVENT)(DWORD pbxh, TEXT *info);
typedef void (CALLBACK *ORIGINAL_DLCOMMSEVENT)(DWORD pbxh, DWORD comms_state, DWORD parm1);

/* C99 has no static_assert: a negative array size fails the build. */
#define PIN(name, cond) typedef char pin_##name[(cond) ? 1 : -1]

PIN(long_is_32_bits, sizeof(LONG) == 4);
PIN(dword_is_32_bits, sizeof(DWORD) == 4);
PIN(text_is_char, sizeof(TEXT) == 1);
PIN(success, DEVLINK_SUCCESS == 0);
PIN(unspecifiedfail, DEVLINK_UNSPECIFIEDFAIL == 1);
PIN(licencenotfound, DEVLINK_LICENCENOTFOUND == 2);
PIN(operational, DEVLINK_COMMS_OPERATIONAL == 0);
PIN(noresponse, DEVLINK_COMMS_NORESPONSE == 1);
PIN(rejected, DEVLINK_COMMS_REJECTED == 2);
PIN(missedpackets, DEVLINK_COMMS_MISSEDPACKETS == 3);
PIN(status_is_32_bits, sizeof(devlink3_status) == 4);

static void CALLBACK record(DWORD pbxh, TEXT *info)
{
    (void)pbxh;
    (void)info;
}

static void CALLBACK comms(DWORD pbxh, DWORD comms_state, DWORD parm1)
{
    (void)pbxh;
    (void)comms_state;
    (void)parm1;
}

int main(void)
{
    ORIGINAL_DLOPEN open_fn = DLOpen;
    ORIGINAL_DLCLOSE close_fn = DLClose;
    ORIGINAL_DLREGISTERTYPE2CALLDELTAS type2_fn = DLRegisterType2CallDeltas;
    ORIGINAL_DLREGISTERTYPE2CALLDELTAS type3_fn = DLRegisterType3CallDeltas;
    /* DLRegisterCallLog (2001): the same prototype. */
    ORIGINAL_DLREGISTERTYPE2CALLDELTAS calllog_fn = DLRegisterCallLog;
    /* The header's callback types are the original ones, both ways. */
    DLCALLLOGEVENT record_cb = record;
    DLCOMMSEVENT comms_cb = comms;
    ORIGINAL_DLCALLLOGEVENT original_record_cb = record_cb;
    ORIGINAL_DLCOMMSEVENT original_comms_cb = comms_cb;

    /* Linked and callable: a pbxh nobody opened fails cleanly. */
    if (close_fn(4242) != DEVLINK_UNSPECIFIEDFAIL) return 1;
    if (type2_fn(4242, original_record_cb) != DEVLINK_UNSPECIFIEDFAIL) return 1;
    if (type3_fn(4242, original_record_cb) != DEVLINK_UNSPECIFIEDFAIL) return 1;
    if (calllog_fn(4242, original_record_cb) != DEVLINK_UNSPECIFIEDFAIL) return 1;
    if (open_fn(4242, NULL, NULL, NULL, NULL, original_comms_cb) != DEVLINK_UNSPECIFIEDFAIL) return 1;
    puts("OK");
    return 0;
}
