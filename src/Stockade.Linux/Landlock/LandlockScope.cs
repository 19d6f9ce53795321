namespace Stockade.Linux.Landlock;

/// <summary>Landlock IPC scopes (<c>LANDLOCK_SCOPE_*</c>), ABI 6 and later.</summary>
[Flags]
public enum LandlockScope : ulong
{
    /// <summary>No scope.</summary>
    None = 0,

    /// <summary>Forbid connecting to abstract Unix sockets created outside the domain.</summary>
    AbstractUnixSocket = 1UL << 0,

    /// <summary>Forbid sending signals to processes outside the domain.</summary>
    Signal = 1UL << 1,
}
