namespace Stockade.Linux.Landlock;

/// <summary>Landlock network rights (<c>LANDLOCK_ACCESS_NET_*</c>), ABI 4 and later.</summary>
[Flags]
public enum LandlockNetAccess : ulong
{
    /// <summary>No right.</summary>
    None = 0,

    /// <summary>Bind a TCP socket to a local port.</summary>
    BindTcp = 1UL << 0,

    /// <summary>Connect a TCP socket to a remote port.</summary>
    ConnectTcp = 1UL << 1,
}
