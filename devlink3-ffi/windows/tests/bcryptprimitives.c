/*
 * TEST ONLY -- never ship this. A stand-in for Windows 10's bcryptprimitives.dll, which
 * wine 8 (Debian 12) lacks: Rust's standard library imports ProcessPrng from it, so
 * without this file devlink.dll does not load under that wine (error 126). Real Windows
 * 10 / Server 2016 and later have the real one. devlink3-ffi/tests/windows.rs builds it
 * beside the test programs.
 *
 * ProcessPrng fills the buffer with random bytes and always succeeds; here it is
 * RtlGenRandom (advapi32's SystemFunction036), in chunks of at most ULONG_MAX bytes.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0xFFFFFFFFu ? 0xFFFFFFFFu : (ULONG)len;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
