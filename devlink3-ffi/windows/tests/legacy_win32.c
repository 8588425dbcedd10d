/*
 * A DevLink application as written for Windows in 2005 (the guide's "Connecting"
 * example, grown a little), driven by devlink3-ffi/tests/windows.rs under wine.
 *
 *   legacy_win32.exe TARGET PASSWORD [RESERVED2]
 *
 * Built twice for 32-bit Windows:
 *   legacy_2005.exe     linked with the import library libdevlink.dll.a (as C/C++
 *                       applications are), so the loader resolves _DLOpen@24 & co.;
 *   legacy_dynamic.exe  -DDEVLINK_DYNAMIC: loads devlink.dll with LoadLibrary and
 *                       finds each function by its undecorated name with
 *                       GetProcAddress, as VB6 (Declare), Delphi and .NET (DllImport) do.
 *
 * Prints one line per event on stdout: "ACP <code page>", "VERSION <FileVersion>"
 * (dynamic only), "OPEN <rc> <last error>", "COMMS <state> <parm1>", "RECORD <hex of
 * info>", "REGISTER <rc> <last error>", "READY", "CLOSED <rc>", "CLOSED_IN_CALLBACK <rc>",
 * "BYE"; "EARLY" or "LATE" for a callback before DLOpen returned or after the link was
 * closed; "FAIL <why>". Commands on stdin: "close" (DLClose), "close_in_callback" (the
 * next record callback calls DLClose itself), "quit".
 * The service user comes from the DEVLINK3_USER environment variable or a devlink.ini
 * beside devlink.dll (reserved1 NULL), as for an unchanged application.
 */
#include <windows.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devlink.h"

#define PBXH 0

#ifdef DEVLINK_DYNAMIC
/* The functions, found at run time. */
typedef LONG (PASCAL *DLOPEN_FN)(DWORD, TEXT *, TEXT *, TEXT *, TEXT *, DLCOMMSEVENT);
typedef LONG (PASCAL *DLCLOSE_FN)(DWORD);
typedef LONG (PASCAL *DLREGISTER_FN)(DWORD, DLCALLLOGEVENT);
typedef size_t (*LAST_ERROR_FN)(char *, size_t);
static DLOPEN_FN pDLOpen;
static DLCLOSE_FN pDLClose;
static DLREGISTER_FN pDLRegisterType2CallDeltas;
static DLREGISTER_FN pDLRegisterCallLog;
static LAST_ERROR_FN pdevlink3_last_error;
#define DLOpen pDLOpen
#define DLClose pDLClose
#define DLRegisterType2CallDeltas pDLRegisterType2CallDeltas
#define DLRegisterCallLog pDLRegisterCallLog
#define devlink3_last_error pdevlink3_last_error
#endif

static CRITICAL_SECTION out_lock;
static volatile LONG dlopen_returned;
static volatile LONG closed;
static volatile LONG close_in_callback;
static volatile LONG comms_seen;

static void say(const char *fmt, ...)
{
    va_list args;
    EnterCriticalSection(&out_lock);
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    printf("\n");
    fflush(stdout);
    LeaveCriticalSection(&out_lock);
}

static void fail(const char *why, const char *detail)
{
    say("FAIL %s %s", why, detail ? detail : "");
    ExitProcess(1);
}

static void check_window(void)
{
    if (!dlopen_returned) say("EARLY");
    if (closed) say("LATE");
}

static void CALLBACK HandleCommsEvent(DWORD pbxh, DWORD comms_state, DWORD parm1)
{
    check_window();
    if (pbxh != PBXH) fail("comms callback for another pbxh", NULL);
    say("COMMS %lu %lu", (unsigned long)comms_state, (unsigned long)parm1);
    InterlockedIncrement(&comms_seen);
}

static void CALLBACK HandleCallRecord(DWORD pbxh, TEXT *info)
{
    char line[8192];
    size_t i, n;
    /* Taken before the record is printed: the test arms the close once it has seen a
     * record, so this callback must not already be the one that closes. */
    LONG closing = InterlockedExchange(&close_in_callback, 0);
    check_window();
    if (pbxh != PBXH) fail("record callback for another pbxh", NULL);
    n = strlen(info);
    if (n * 2 + 8 > sizeof line) fail("record too long for the test", NULL);
    strcpy(line, "RECORD ");
    for (i = 0; i < n; i++) sprintf(line + 7 + 2 * i, "%02x", (unsigned)(unsigned char)info[i]);
    say("%s", line);
    if (closing) {
        LONG rc = DLClose(pbxh);
        InterlockedExchange(&closed, 1);
        say("CLOSED_IN_CALLBACK %ld", (long)rc);
    }
}

#ifdef DEVLINK_DYNAMIC
static FARPROC find(HMODULE dll, const char *name)
{
    FARPROC f = GetProcAddress(dll, name);
    if (f == NULL) fail("GetProcAddress found no", name);
    return f;
}

/* FileVersion from the DLL's version resource. */
static void say_version(void)
{
    char path[MAX_PATH];
    DWORD ignored, size;
    void *data, *value;
    UINT len;
    if (!GetModuleFileNameA(GetModuleHandleA("devlink.dll"), path, sizeof path)) fail("GetModuleFileName", NULL);
    size = GetFileVersionInfoSizeA(path, &ignored);
    if (size == 0) fail("no version resource in", path);
    data = malloc(size);
    if (!GetFileVersionInfoA(path, 0, size, data)) fail("GetFileVersionInfo", path);
    if (!VerQueryValueA(data, "\\StringFileInfo\\040904b0\\ProductName", &value, &len)) fail("no ProductName", NULL);
    say("PRODUCT %s", (const char *)value);
    if (!VerQueryValueA(data, "\\StringFileInfo\\040904b0\\FileVersion", &value, &len)) fail("no FileVersion", NULL);
    say("VERSION %s", (const char *)value);
    free(data);
}
#endif

int main(int argc, char **argv)
{
    char command[256];
    char why[512];
    LONG rc;
    int waited;

    InitializeCriticalSection(&out_lock);
    if (argc < 3) fail("usage: legacy_win32 TARGET PASSWORD [RESERVED2]", NULL);
    say("ACP %u", GetACP());

#ifdef DEVLINK_DYNAMIC
    {
        /* Function pointers of different types cross through a generic one. */
        HMODULE dll = LoadLibraryA("devlink.dll");
        if (dll == NULL) {
            sprintf(why, "error %lu", GetLastError());
            fail("LoadLibrary(devlink.dll)", why);
        }
        pDLOpen = (DLOPEN_FN)(void (*)(void))find(dll, "DLOpen");
        pDLClose = (DLCLOSE_FN)(void (*)(void))find(dll, "DLClose");
        pDLRegisterType2CallDeltas = (DLREGISTER_FN)(void (*)(void))find(dll, "DLRegisterType2CallDeltas");
        pDLRegisterCallLog = (DLREGISTER_FN)(void (*)(void))find(dll, "DLRegisterCallLog");
        pdevlink3_last_error = (LAST_ERROR_FN)(void (*)(void))find(dll, "devlink3_last_error");
        say_version();
    }
#endif

    rc = DLOpen(PBXH, argv[1], argv[2], NULL, argc > 3 ? argv[3] : NULL, HandleCommsEvent);
    InterlockedExchange(&dlopen_returned, 1);
    why[0] = '\0';
    if (rc != DEVLINK_SUCCESS) devlink3_last_error(why, sizeof why);
    say("OPEN %ld %s", (long)rc, why);

    /* As the guide's example: wait up to 10 seconds for the link to report (a failed
     * DLOpen is reported as REJECTED too). */
    for (waited = 0; comms_seen == 0 && waited < 10000; waited += 100) Sleep(100);
    if (comms_seen == 0) fail("no comms state within 10 s", NULL);
    if (rc != DEVLINK_SUCCESS) {
        say("READY");
        goto commands;
    }

    /* Register after OPERATIONAL, as the guide says (argv[4]: that many ms later, as a slow
     * application would); a 2001 application also asks for the call log, which must not
     * make it fail. */
    if (argc > 4) Sleep((DWORD)atoi(argv[4]));
    rc = DLRegisterType2CallDeltas(PBXH, HandleCallRecord);
    why[0] = '\0';
    if (rc != DEVLINK_SUCCESS) devlink3_last_error(why, sizeof why);
    say("REGISTER %ld %s", (long)rc, why);
    if (rc == DEVLINK_SUCCESS && DLRegisterCallLog(PBXH, HandleCallRecord) != DEVLINK_SUCCESS)
        fail("DLRegisterCallLog failed on an open link", NULL);
    say("READY");

commands:
    while (fgets(command, sizeof command, stdin) != NULL) {
        command[strcspn(command, "\r\n")] = '\0';
        if (strcmp(command, "close") == 0) {
            rc = DLClose(PBXH);
            InterlockedExchange(&closed, 1);
            say("CLOSED %ld", (long)rc);
        } else if (strcmp(command, "close_in_callback") == 0) {
            InterlockedExchange(&close_in_callback, 1);
            say("ARMED");
        } else if (strcmp(command, "quit") == 0) {
            break;
        } else {
            fail("unknown command", command);
        }
    }
    /* Anything still due must not come after DLClose: give it the chance to show. */
    Sleep(200);
    say("BYE");
    return 0;
}
