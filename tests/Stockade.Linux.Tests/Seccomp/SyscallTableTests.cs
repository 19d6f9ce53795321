using System.Reflection;
using System.Text.RegularExpressions;

namespace Stockade.Linux.Tests.Seccomp;

/// <summary>The numbers the seccomp tables name, against the installed kernel header (which stops at 450).</summary>
public sealed partial class SyscallTableTests
{
    private const string Header = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";

    [Fact]
    public void SyscallTable_EveryNumberInTheHeader_MatchesByName()
    {
        File.Exists(Header).ShouldBeTrue("the kernel headers (linux-libc-dev) are needed to check the table");
        var header = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match match in Define().Matches(File.ReadAllText(Header)))
        {
            header[match.Groups[1].Value] = int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        var table = typeof(Interop.SyscallTable).GetFields(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Where(f => f.IsLiteral && f.Name != nameof(Interop.SyscallTable.Count))
            .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!, StringComparer.Ordinal);

        header.Count.ShouldBeGreaterThan(300);
        foreach (var (name, number) in header)
        {
            table.ShouldContainKey(name);
            table[name].ShouldBe(number, name);
        }

        table.Values.Distinct().Count().ShouldBe(table.Count, "no two names share a number");
        table.Values.Max().ShouldBeLessThan(Interop.SyscallTable.Count);
    }

    [GeneratedRegex(@"#define __NR_(\w+) (\d+)")]
    private static partial Regex Define();
}
