namespace Stockade.Linux.Cgroups;

/// <summary>A cgroup could not be made, limited or joined; the message names the file and the kernel's reason.</summary>
public sealed class CgroupException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CgroupException()
    {
    }

    /// <summary>Creates the exception with its message.</summary>
    /// <param name="message">What failed and why.</param>
    public CgroupException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its message and cause.</summary>
    /// <param name="message">What failed and why.</param>
    /// <param name="inner">The I/O error underneath.</param>
    public CgroupException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
