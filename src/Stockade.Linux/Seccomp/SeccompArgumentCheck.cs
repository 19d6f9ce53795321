namespace Stockade.Linux.Seccomp;

/// <summary>How an argument check compares the low 32 bits of a syscall argument.</summary>
internal enum SeccompArgumentTest
{
    /// <summary>Matches when the argument differs from the value.</summary>
    NotEqual,

    /// <summary>Matches when the argument is the value.</summary>
    Equal,

    /// <summary>Matches when any bit of the mask is set.</summary>
    AnyBitSet,

    /// <summary>Matches when no bit of the mask is set.</summary>
    NoBitSet,
}

/// <summary>
/// One test on argument <see cref="Index"/> (its low 32 bits, which is all the kernel reads of an <c>int</c>
/// argument, or with <see cref="UpperHalf"/> its high 32 bits, so a pointer is compared in two checks);
/// when it matches, <see cref="Action"/> is returned.
/// </summary>
internal sealed record SeccompArgumentCheck(int Index, SeccompArgumentTest Test, uint Operand, SeccompAction Action, bool UpperHalf = false);
