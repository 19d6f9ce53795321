namespace Stockade.Linux.Seccomp;

/// <summary>
/// One line of a seccomp table: the call, what it gets (after the argument checks, the first of which that matches
/// decides) and why it is there. Only allowed calls and calls failed on purpose (ENOSYS for a libc fallback) are
/// listed; a call that is not listed gets the filter's default (EPERM).
/// </summary>
internal sealed record SeccompRule(int Nr, SeccompAction Action, string Why, SeccompArgumentCheck[] Checks);
