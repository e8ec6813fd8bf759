/*
 * TEST-ONLY shim, never shipped: Wine 8 has no bcryptprimitives.dll, whose ProcessPrng
 * the Go runtime (1.24 and newer) loads at start; real Windows 10 and 11 have it.
 * scripts/packaging/test-windows.sh builds this with mingw and copies it into the
 * throwaway Wine prefix's system32 so the same .exe files we ship can start under Wine.
 */
#include <windows.h>

/* RtlGenRandom: advapi32's exported name for the system's random generator. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
	while (length > 0) {
		ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
		if (!SystemFunction036(data, chunk))
			return FALSE;
		data += chunk;
		length -= chunk;
	}
	return TRUE;
}
