/*
 * A DevLink application written as many .NET programs are: every function declared as
 * returning a 64-bit integer (C# `long`) instead of the 32-bit LONG. On 32-bit Windows
 * the caller then reads EDX:EAX, on 64-bit RAX: the library must leave the LONG
 * sign-extended there, or `ret >= 0` checks pass or fail on register garbage.
 *
 *   legacy_wide_returns.exe TARGET PASSWORD
 *
 * Loads devlink.dll with LoadLibrary and calls each function through a pointer typed
 * `long long WINAPI (...)`, on success and failure paths, printing
 * "RET <call> <64-bit value>" (the test checks each), then "DONE". A failed check of the
 * program itself prints "FAIL <why>".
 */
#include <windows.h>
#include <stdio.h>

typedef long long(WINAPI *WIDE_OPEN)(DWORD, const char *, const char *, const char *, const char *,
                                     void(CALLBACK *)(DWORD, DWORD, DWORD));
typedef long long(WINAPI *WIDE_CLOSE)(DWORD);
typedef long long(WINAPI *WIDE_REGISTER)(DWORD, void(CALLBACK *)(DWORD, char *));

static volatile LONG operational;

static void CALLBACK comms(DWORD pbxh, DWORD state, DWORD parm1)
{
    (void)pbxh;
    (void)parm1;
    if (state == 0) InterlockedExchange(&operational, 1);
}

static void CALLBACK record(DWORD pbxh, char *info)
{
    (void)pbxh;
    (void)info;
}

static FARPROC find(HMODULE dll, const char *name)
{
    FARPROC f = GetProcAddress(dll, name);
    if (f == NULL) {
        printf("FAIL GetProcAddress found no %s\n", name);
        exit(1);
    }
    return f;
}

static void ret(const char *call, long long value)
{
    printf("RET %s %lld\n", call, value);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    HMODULE dll;
    WIDE_OPEN open;
    WIDE_CLOSE close;
    WIDE_REGISTER type2, type3, call_log;
    int waited;

    if (argc < 3) {
        printf("FAIL usage: legacy_wide_returns TARGET PASSWORD\n");
        return 1;
    }
    dll = LoadLibraryA("devlink.dll");
    if (dll == NULL) {
        printf("FAIL LoadLibrary(devlink.dll): error %lu\n", GetLastError());
        return 1;
    }
    open = (WIDE_OPEN)(void (*)(void))find(dll, "DLOpen");
    close = (WIDE_CLOSE)(void (*)(void))find(dll, "DLClose");
    type2 = (WIDE_REGISTER)(void (*)(void))find(dll, "DLRegisterType2CallDeltas");
    type3 = (WIDE_REGISTER)(void (*)(void))find(dll, "DLRegisterType3CallDeltas");
    call_log = (WIDE_REGISTER)(void (*)(void))find(dll, "DLRegisterCallLog");

    ret("open", open(7, argv[1], argv[2], "devlink3", NULL, comms));
    ret("open_again", open(7, argv[1], argv[2], "devlink3", NULL, comms));
    ret("open_bad_option", open(8, argv[1], argv[2], "devlink3", "colour=blue", comms));
    ret("open_null_cb", open(9, argv[1], argv[2], "devlink3", NULL, NULL));
    for (waited = 0; !operational && waited < 20000; waited += 50) Sleep(50);
    if (!operational) {
        printf("FAIL no OPERATIONAL within 20 s\n");
        return 1;
    }
    ret("register_unknown_pbxh", type2(99, record));
    ret("register_type2", type2(7, record));
    ret("register_type3_on_delta2", type3(7, record));
    ret("register_call_log", call_log(7, record));
    ret("close", close(7));
    ret("close_again", close(7));
    ret("close_failed_open", close(8));
    printf("DONE\n");
    fflush(stdout);
    return 0;
}
