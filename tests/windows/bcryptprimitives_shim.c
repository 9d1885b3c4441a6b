/*
 * A test aid for running Twofold's Windows build under Wine 8 (Debian 12), NOT shipped with
 * Twofold: Rust's standard library (1.78+) draws its random numbers from ProcessPrng in
 * bcryptprimitives.dll, which Windows 10+ has and Wine 8 lacks, so every Rust program stops at
 * start with "bcryptprimitives.dll not found". This DLL provides ProcessPrng over
 * SystemFunction036 (RtlGenRandom, advapi32), which Wine implements with the host's
 * /dev/urandom. tests/windows/run.sh builds it with mingw-w64 and puts it beside the .exe files.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
