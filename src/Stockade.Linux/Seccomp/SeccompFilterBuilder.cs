using static Stockade.Linux.Interop;

namespace Stockade.Linux.Seccomp;

/// <summary>
/// Assembles a classic-BPF seccomp program for x86_64: a foreign architecture or an x32 syscall kills the
/// process, then each listed syscall gets its action (optionally after argument checks), everything else
/// the default action.
/// </summary>
/// <remarks>
/// Built on the worker's start path, before any plugin code: the rules are kept in a list of a reference type and the
/// program is written into an array of its exact length, so no generic collection over a value type has to be
/// JIT-compiled first (those instantiations are in no ReadyToRun image; docs/performance.md, session 11).
/// </remarks>
internal sealed class SeccompFilterBuilder
{
    private const int PreambleLength = 6;

    private readonly List<Rule> _rules = [];
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
        int length = PreambleLength + 1;
        foreach (Rule rule in _rules)
        {
            length += BlockLength(rule) + 1;
        }

        var program = new sock_filter[length];
        program[0] = Load(SECCOMP_DATA_ARCH);
        program[1] = Jump(BPF_JEQ, AUDIT_ARCH_X86_64, 1, 0);
        program[2] = Return(SeccompAction.KillProcess);
        program[3] = Load(SECCOMP_DATA_NR);
        program[4] = Jump(BPF_JGE, X32_SYSCALL_BIT, 0, 1);
        program[5] = Return(SeccompAction.KillProcess);
        int at = PreambleLength;
        foreach (Rule rule in _rules)
        {
            // Block layout: JEQ nr (skip block when different); per check: LD arg, test → RET; RET otherwise.
            program[at++] = Jump(BPF_JEQ, (uint)rule.Nr, 0, checked((byte)BlockLength(rule)));
            foreach (SeccompArgumentCheck check in rule.Checks)
            {
                program[at++] = Load(SECCOMP_DATA_ARGS + ((uint)check.Index * 8) + (check.UpperHalf ? 4u : 0u));
                program[at++] = check.Test switch
                {
                    SeccompArgumentTest.NotEqual => Jump(BPF_JEQ, check.Operand, 1, 0),
                    SeccompArgumentTest.AnyBitSet => Jump(BPF_JSET, check.Operand, 0, 1),
                    _ => Jump(BPF_JSET, check.Operand, 1, 0),
                };
                program[at++] = Return(check.Action);
            }

            program[at++] = Return(rule.Action);
        }

        program[at] = Return(_defaultAction);
        return program;
    }

    // The instructions after a block's JEQ: three per argument check, then the block's own RET.
    private static int BlockLength(Rule rule) => 1 + (rule.Checks.Length * 3);

    private SeccompFilterBuilder AddRule(int syscall, SeccompAction action, SeccompArgumentCheck[] checks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(syscall);
        foreach (Rule rule in _rules)
        {
            if (rule.Nr == syscall)
            {
                throw new InvalidOperationException($"Syscall {syscall} already has a rule; merge the two into one.");
            }
        }

        _rules.Add(new Rule(syscall, action, checks));
        return this;
    }

    private static sock_filter Load(uint offset) => new() { code = BPF_LD | BPF_W | BPF_ABS, k = offset };

    private static sock_filter Jump(ushort op, uint k, byte jt, byte jf) => new() { code = (ushort)(BPF_JMP | op | BPF_K), k = k, jt = jt, jf = jf };

    private static sock_filter Return(SeccompAction action) => new() { code = BPF_RET | BPF_K, k = action.Value };

    private sealed class Rule(int nr, SeccompAction action, SeccompArgumentCheck[] checks)
    {
        public int Nr { get; } = nr;

        public SeccompAction Action { get; } = action;

        public SeccompArgumentCheck[] Checks { get; } = checks;
    }
}
