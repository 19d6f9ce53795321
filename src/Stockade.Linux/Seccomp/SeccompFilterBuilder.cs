using static Stockade.Linux.Interop;

namespace Stockade.Linux.Seccomp;

/// <summary>
/// Assembles a classic-BPF seccomp program for x86_64: a foreign architecture or an x32 syscall kills the
/// process, then each listed syscall gets its action (optionally after argument checks), everything else
/// the default action.
/// </summary>
internal sealed class SeccompFilterBuilder
{
    private readonly List<(int Nr, SeccompAction Action, IReadOnlyList<SeccompArgumentCheck> Checks)> _rules = [];
    private readonly SeccompAction _defaultAction;

    internal SeccompFilterBuilder(SeccompAction defaultAction) => _defaultAction = defaultAction;

    /// <summary>Returns <paramref name="action"/> for every call of <paramref name="syscall"/>.</summary>
    internal SeccompFilterBuilder Add(int syscall, SeccompAction action) => AddRule(syscall, action, []);

    /// <summary>
    /// Runs <paramref name="checks"/> in order for <paramref name="syscall"/>: the first that matches decides;
    /// when none matches, <paramref name="otherwise"/>.
    /// </summary>
    internal SeccompFilterBuilder AddWithArguments(int syscall, SeccompAction otherwise, params SeccompArgumentCheck[] checks)
    {
        foreach (SeccompArgumentCheck check in checks)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(check.Index);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(check.Index, 5);
        }

        return AddRule(syscall, otherwise, checks);
    }

    /// <summary>The BPF program; at most one block per syscall, so every jump stays within 8 bits.</summary>
    internal sock_filter[] Build()
    {
        var program = new List<sock_filter>
        {
            Load(SECCOMP_DATA_ARCH),
            Jump(BPF_JEQ, AUDIT_ARCH_X86_64, 1, 0),
            Return(SeccompAction.KillProcess),
            Load(SECCOMP_DATA_NR),
            Jump(BPF_JGE, X32_SYSCALL_BIT, 0, 1),
            Return(SeccompAction.KillProcess),
        };

        foreach ((int nr, SeccompAction action, IReadOnlyList<SeccompArgumentCheck> checks) in _rules)
        {
            // Block layout: JEQ nr (skip block when different); per check: LD arg, test → RET; RET otherwise.
            int blockLength = 1 + (checks.Count * 3);
            program.Add(Jump(BPF_JEQ, (uint)nr, 0, checked((byte)blockLength)));
            foreach (SeccompArgumentCheck check in checks)
            {
                program.Add(Load(SECCOMP_DATA_ARGS + ((uint)check.Index * 8) + (check.UpperHalf ? 4u : 0u)));
                program.Add(check.Test switch
                {
                    SeccompArgumentTest.NotEqual => Jump(BPF_JEQ, check.Operand, 1, 0),
                    SeccompArgumentTest.AnyBitSet => Jump(BPF_JSET, check.Operand, 0, 1),
                    _ => Jump(BPF_JSET, check.Operand, 1, 0),
                });
                program.Add(Return(check.Action));
            }

            program.Add(Return(action));
        }

        program.Add(Return(_defaultAction));
        return [.. program];
    }

    private SeccompFilterBuilder AddRule(int syscall, SeccompAction action, IReadOnlyList<SeccompArgumentCheck> checks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(syscall);
        if (_rules.Exists(r => r.Nr == syscall))
        {
            throw new InvalidOperationException($"Syscall {syscall} already has a rule; merge the two into one.");
        }

        _rules.Add((syscall, action, checks));
        return this;
    }

    private static sock_filter Load(uint offset) => new() { code = BPF_LD | BPF_W | BPF_ABS, k = offset };

    private static sock_filter Jump(ushort op, uint k, byte jt, byte jf) => new() { code = (ushort)(BPF_JMP | op | BPF_K), k = k, jt = jt, jf = jf };

    private static sock_filter Return(SeccompAction action) => new() { code = BPF_RET | BPF_K, k = action.Value };
}
