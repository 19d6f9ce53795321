using static Stockade.Linux.Interop;

namespace Stockade.Linux.Seccomp;

/// <summary>
/// Assembles a classic-BPF seccomp program for x86_64: a foreign architecture or an x32 syscall kills the
/// process, then each listed syscall gets its action (optionally after argument checks), everything else
/// the default action.
/// </summary>
/// <remarks>
/// <para>
/// Layout: the preamble, then a balanced binary search over the sorted syscall numbers (one <c>JGE</c> per inner
/// node, lower half first), whose leaves hold at most <see cref="LeafSize"/> rules as a short <c>JEQ</c> chain, each
/// followed by its block (argument checks, then the block's own <c>RET</c>) and closed by a <c>RET</c> of the default
/// action. A lookup costs about log2(rules) comparisons, so a long allow-list stays cheap; libseccomp and Chromium's
/// bpf_dsl compile their policies the same way. A <c>JGE</c> whose upper half lies beyond an 8-bit jump goes through
/// a <c>JA</c> (32-bit offset) placed right after it.
/// </para>
/// <para>
/// Built on the worker's start path, before any plugin code: the rules are kept in arrays and lists of a reference
/// type, sorted by hand, and the program is written into an array of its exact length, so no generic collection
/// over a value type has to be JIT-compiled first (those instantiations are in no ReadyToRun image;
/// docs/performance.md, session 11).
/// </para>
/// </remarks>
internal sealed class SeccompFilterBuilder
{
    internal const int PreambleLength = 6;
    private const int LeafSize = 4;

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

    /// <summary>The BPF program.</summary>
    internal sock_filter[] Build()
    {
        Rule[] rules = Sorted();
        var program = new sock_filter[PreambleLength + TreeLength(rules, 0, rules.Length)];
        program[0] = Load(SECCOMP_DATA_ARCH);
        program[1] = Jump(BPF_JEQ, AUDIT_ARCH_X86_64, 1, 0);
        program[2] = Return(SeccompAction.KillProcess);
        program[3] = Load(SECCOMP_DATA_NR);
        program[4] = Jump(BPF_JGE, X32_SYSCALL_BIT, 0, 1);
        program[5] = Return(SeccompAction.KillProcess);
        int at = EmitTree(program, PreambleLength, rules, 0, rules.Length);
        if (at != program.Length)
        {
            throw new InvalidOperationException("The seccomp program's layout does not add up.");
        }

        return program;
    }

    // Inner node: JGE (plus a JA when the upper half is out of 8-bit reach), the lower half, the upper half.
    private int TreeLength(Rule[] rules, int from, int to)
    {
        if (to - from <= LeafSize)
        {
            int length = 1;
            for (int i = from; i < to; i++)
            {
                length += 1 + BlockLength(rules[i]);
            }

            return length;
        }

        int middle = from + ((to - from) / 2);
        int lower = TreeLength(rules, from, middle);
        return 1 + (lower > byte.MaxValue ? 1 : 0) + lower + TreeLength(rules, middle, to);
    }

    private int EmitTree(sock_filter[] program, int at, Rule[] rules, int from, int to)
    {
        if (to - from <= LeafSize)
        {
            for (int i = from; i < to; i++)
            {
                program[at++] = Jump(BPF_JEQ, (uint)rules[i].Nr, 0, checked((byte)BlockLength(rules[i])));
                at = EmitBlock(program, at, rules[i]);
            }

            program[at++] = Return(_defaultAction);
            return at;
        }

        int middle = from + ((to - from) / 2);
        int lower = TreeLength(rules, from, middle);
        uint pivot = (uint)rules[middle].Nr;
        if (lower > byte.MaxValue)
        {
            // nr >= pivot: the JA right after, over the lower half; otherwise skip the JA into the lower half.
            program[at++] = Jump(BPF_JGE, pivot, 0, 1);
            program[at++] = new sock_filter { code = BPF_JMP | BPF_JA, k = (uint)lower };
        }
        else
        {
            program[at++] = Jump(BPF_JGE, pivot, (byte)lower, 0);
        }

        at = EmitTree(program, at, rules, from, middle);
        return EmitTree(program, at, rules, middle, to);
    }

    // Per check: a load (left out when the previous check loaded the same word), the test, its RET; then the RET otherwise.
    private static int BlockLength(Rule rule)
    {
        int length = 1;
        for (int i = 0; i < rule.Checks.Length; i++)
        {
            length += (LoadsAgain(rule.Checks, i) ? 1 : 0) + 2;
        }

        return length;
    }

    private static int EmitBlock(sock_filter[] program, int at, Rule rule)
    {
        SeccompArgumentCheck[] checks = rule.Checks;
        for (int i = 0; i < checks.Length; i++)
        {
            SeccompArgumentCheck check = checks[i];
            if (LoadsAgain(checks, i))
            {
                program[at++] = Load(SECCOMP_DATA_ARGS + ((uint)check.Index * 8) + (check.UpperHalf ? 4u : 0u));
            }

            // Matched: fall through to the RET of the check's action; not matched: skip it.
            program[at++] = check.Test switch
            {
                SeccompArgumentTest.NotEqual => Jump(BPF_JEQ, check.Operand, 1, 0),
                SeccompArgumentTest.Equal => Jump(BPF_JEQ, check.Operand, 0, 1),
                SeccompArgumentTest.AnyBitSet => Jump(BPF_JSET, check.Operand, 0, 1),
                _ => Jump(BPF_JSET, check.Operand, 1, 0),
            };
            program[at++] = Return(check.Action);
        }

        program[at++] = Return(rule.Action);
        return at;
    }

    private static bool LoadsAgain(SeccompArgumentCheck[] checks, int i) =>
        i == 0 || checks[i - 1].Index != checks[i].Index || checks[i - 1].UpperHalf != checks[i].UpperHalf;

    // Insertion sort by syscall number: a few hundred rules, and no generic sort to JIT on the start path.
    private Rule[] Sorted()
    {
        var rules = new Rule[_rules.Count];
        for (int i = 0; i < rules.Length; i++)
        {
            Rule rule = _rules[i];
            int j = i;
            while (j > 0 && rules[j - 1].Nr > rule.Nr)
            {
                rules[j] = rules[j - 1];
                j--;
            }

            if (j > 0 && rules[j - 1].Nr == rule.Nr)
            {
                throw new InvalidOperationException($"Syscall {rule.Nr} already has a rule; merge the two into one.");
            }

            rules[j] = rule;
        }

        return rules;
    }

    private SeccompFilterBuilder AddRule(int syscall, SeccompAction action, SeccompArgumentCheck[] checks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(syscall);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)syscall, X32_SYSCALL_BIT);
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
