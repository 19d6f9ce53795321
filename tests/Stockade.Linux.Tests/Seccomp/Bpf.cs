using static Stockade.Linux.Interop;

namespace Stockade.Linux.Tests.Seccomp;

/// <summary>Classic BPF as seccomp runs it, limited to the instructions a seccomp program may use here.</summary>
internal static class Bpf
{
    /// <summary>Runs <paramref name="program"/> on one call; <paramref name="visited"/>, when given, records every instruction reached.</summary>
    internal static uint Run(sock_filter[] program, int nr, ulong[]? args = null, uint arch = AUDIT_ARCH_X86_64, bool[]? visited = null)
    {
        // struct seccomp_data { int nr; u32 arch; u64 instruction_pointer; u64 args[6]; }
        var data = new byte[64];
        BitConverter.TryWriteBytes(data.AsSpan(0), nr).ShouldBeTrue();
        BitConverter.TryWriteBytes(data.AsSpan(4), arch).ShouldBeTrue();
        for (var i = 0; i < (args?.Length ?? 0); i++)
        {
            BitConverter.TryWriteBytes(data.AsSpan(16 + (8 * i)), args![i]).ShouldBeTrue();
        }

        uint accumulator = 0;
        for (var pc = 0; pc < program.Length; pc++)
        {
            if (visited is not null)
            {
                visited[pc] = true;
            }

            var instruction = program[pc];
            switch (instruction.code)
            {
                case BPF_LD | BPF_W | BPF_ABS:
                    instruction.k.ShouldBeLessThan(64u);
                    accumulator = BitConverter.ToUInt32(data, (int)instruction.k);
                    break;
                case BPF_RET | BPF_K:
                    return instruction.k;
                case BPF_JMP | BPF_JA:
                    pc += (int)instruction.k;
                    break;
                case BPF_JMP | BPF_JEQ | BPF_K:
                    pc += accumulator == instruction.k ? instruction.jt : instruction.jf;
                    break;
                case BPF_JMP | BPF_JGE | BPF_K:
                    pc += accumulator >= instruction.k ? instruction.jt : instruction.jf;
                    break;
                case BPF_JMP | BPF_JSET | BPF_K:
                    pc += (accumulator & instruction.k) != 0 ? instruction.jt : instruction.jf;
                    break;
                default:
                    throw new InvalidOperationException($"instruction {pc} has code 0x{instruction.code:x4}, which this filter should not use");
            }
        }

        throw new InvalidOperationException("the program ran off its end without a RET (the kernel rejects such a program)");
    }

    internal static uint Run(sock_filter[] program, int nr, params ulong[] args) => Run(program, nr, args, AUDIT_ARCH_X86_64);
}
