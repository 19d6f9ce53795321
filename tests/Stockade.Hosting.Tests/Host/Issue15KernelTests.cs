using System.Diagnostics;
using System.Text.Json;

namespace Stockade.Hosting.Tests.Host;

/// <summary>A hostile C# plugin and the Python kernel probe, loaded at one level, workers as root or as nobody.</summary>
public abstract class Issue15KernelFixture(int? workerUid, string level) : HostFixture(workerUid)
{
    public const string Hostile = "t.hostile15k";
    public const string Probe = "t.probe15k";

    public string Level { get; } = level;

    public LoadedPlugin HostilePlugin { get; private set; } = null!;

    public LoadedPlugin ProbePlugin { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var hostile = World.Plugin("hostile-csharp", Hostile, """
            runtime: dotnet
            entry: bin/HostilePlugin.dll
            entryType: Samples.Hostile.HostilePlugin
            timeouts: { init: 30s, call: 120s, hook: 5s }
            resources: { memoryMb: 256, openFiles: 128 }
            """);
        HostilePlugin = await Host.LoadAsync(StrictSigning.ForLevel(Host, hostile, Level), new PluginLoadOptions { Level = Level });
        ProbePlugin = await Host.LoadAsync(StrictSigning.ForLevel(Host, Issue15KernelProbe.Create(World, Probe), Level), new PluginLoadOptions { Level = Level });
    }
}

public sealed class Issue15KernelRootSandboxedFixture() : Issue15KernelFixture(null, "sandboxed");

public sealed class Issue15KernelNobodySandboxedFixture() : Issue15KernelFixture(65534, "sandboxed");

public sealed class Issue15KernelRootStrictFixture() : Issue15KernelFixture(null, "strict");

public sealed class Issue15KernelNobodyStrictFixture() : Issue15KernelFixture(65534, "strict");

/// <summary>
/// Issue 15, item 3: a system call the worker's seccomp filter denies reaches the host as a user notification; the
/// host records it (<c>syscall.blocked</c>, layer <c>kernel</c>, the syscall's name) and answers with the same EPERM
/// the plugin saw before; the worker holds no listener and cannot answer its own calls; a flood is summarised; the
/// guarantee report quotes what the launcher and the worker measured.
/// </summary>
[Trait("Issue", "15")]
public abstract class Issue15KernelTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : Issue15KernelFixture
{
    private const int Eperm = 1;

    private PluginHost Host => fixture.Host;

    [Theory]
    [InlineData("shmget")]
    [InlineData("msgget")]
    [InlineData("ptrace")]
    [InlineData("socket")]
    public async Task DeniedSyscall_PythonWorker_IsRecordedByTheHostAndStillEperm(string syscall)
    {
        var before = KernelRecords(Issue15KernelFixture.Probe, syscall).Count;

        var result = await CallAsync(Issue15KernelFixture.Probe, "denied", new { syscall, count = 1 });

        result.GetProperty("errnos").EnumerateArray().Select(e => e.GetInt32()).ShouldBe([Eperm], $"{syscall} must still fail with EPERM");
        var records = await WaitForKernelRecordsAsync(Issue15KernelFixture.Probe, syscall, before + 1);
        var record = records[^1];
        record.GetProperty("decision").GetString().ShouldBe("deny");
        var details = record.GetProperty("details");
        details.GetProperty("syscall").GetString().ShouldBe(syscall);
        details.GetProperty("errno").GetString().ShouldBe("EPERM");
        details.GetProperty("observed").GetString().ShouldBe("seccomp user notification");
        int.Parse(details.GetProperty("pid").GetString()!, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(0);
    }

    [Theory]
    [InlineData("sysvShm", "shmget")]
    [InlineData("sysvMsg", "msgget")]
    public async Task DeniedSyscall_DotnetWorker_IsRecordedByTheHostAndStillEperm(string attack, string syscall)
    {
        var before = KernelRecords(Issue15KernelFixture.Hostile, syscall).Count;

        var report = await Host.InvokeAsync<Report>(Issue15KernelFixture.Hostile, attack, new { }, JsonSerializerOptions.Web);

        report.ShouldNotBeNull().Succeeded.ShouldBeFalse();
        report.Error.ShouldNotBeNull().ShouldContain("errno 1 (");
        await WaitForKernelRecordsAsync(Issue15KernelFixture.Hostile, syscall, before + 1);
    }

    [Fact]
    public async Task Listener_InTheWorker_IsNotHeldAndItsOwnCallsCannotBeAnswered()
    {
        var fds = await CallAsync(Issue15KernelFixture.Probe, "descriptors", new { });
        var links = fds.GetProperty("links").EnumerateArray().Select(l => l.GetString()!).ToList();
        links.ShouldNotBeEmpty();
        links.ShouldNotContain(l => l.Contains("seccomp", StringComparison.Ordinal), string.Join("; ", links));

        var own = await CallAsync(Issue15KernelFixture.Probe, "answerOwn", new { });

        own.GetProperty("answered").GetArrayLength().ShouldBe(0, "a worker received or answered a seccomp notification itself");
        own.GetProperty("lastErrno").GetInt32().ShouldBe(Eperm, "the ioctl itself is a denied call");
    }

    [Fact]
    public async Task DeniedSyscallFlood_IsSummarisedByTheAuditBudget()
    {
        const int Flood = 3000;
        var before = KernelRecords(Issue15KernelFixture.Probe, syscall: null).Count;

        var result = await CallAsync(Issue15KernelFixture.Probe, "denied", new { syscall = "shmget", count = Flood });

        result.GetProperty("errnos").EnumerateArray().Select(e => e.GetInt32()).ShouldBe([Eperm]);

        // The summary is written when the budget's interval (10 s) ends; it carries the count of what it stands for.
        var clock = Stopwatch.StartNew();
        List<JsonElement> added;
        do
        {
            await Task.Delay(250);
            added = KernelRecords(Issue15KernelFixture.Probe, syscall: null).Skip(before).ToList();
        }
        while (!added.Any(IsSummary) && clock.Elapsed < TimeSpan.FromSeconds(30));

        added.Any(IsSummary).ShouldBeTrue("no summary record of the flood");
        added.Count.ShouldBeLessThan(Flood / 4, "each denied call of a flood was written one by one");
        var summarised = added.Where(IsSummary).Sum(r => int.Parse(r.GetProperty("details").GetProperty("count").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        (summarised + added.Count(r => !IsSummary(r))).ShouldBeGreaterThanOrEqualTo(Flood, "the records and summaries do not account for every denied call");

        static bool IsSummary(JsonElement record) => record.TryGetProperty("details", out var d) && d.TryGetProperty("count", out _);
    }

    [Fact]
    public async Task GuaranteeReport_PythonWorker_QuotesTheLaunchersSeccompAndLandlock()
    {
        await CallAsync(Issue15KernelFixture.Probe, "allowed", new { count = 1 });

        var guarantees = fixture.ProbePlugin.Guarantees;
        var syscalls = guarantees.Single(g => g.Subject == GuaranteeReport.SystemCallsSubject);
        syscalls.Layer.ShouldBe(EnforcementLayer.Kernel);
        syscalls.Mechanism.ShouldContain("Python profile");
        syscalls.Mechanism.ShouldContain("installed by the launcher");
        guarantees.Single(g => g.Subject == GuaranteeReport.SyscallRecordsSubject).Layer.ShouldBe(EnforcementLayer.Kernel);
        guarantees.Single(g => g.Subject.StartsWith("files:", StringComparison.Ordinal)).Mechanism.ShouldContain("fully enforced (reported by the launcher");
        guarantees.Single(g => g.Subject == GuaranteeReport.FileRecordsSubject).Mechanism.ShouldContain("audited only when the plugin reports them");
    }

    [Fact]
    public async Task GuaranteeReport_DotnetWorker_QuotesTheWorkersSeccomp()
    {
        await Host.InvokeAsync<Report>(Issue15KernelFixture.Hostile, "sysvShm", new { }, JsonSerializerOptions.Web);

        var syscalls = fixture.HostilePlugin.Guarantees.Single(g => g.Subject == GuaranteeReport.SystemCallsSubject);
        syscalls.Layer.ShouldBe(EnforcementLayer.Kernel);
        syscalls.Mechanism.ShouldContain("Dotnet profile");
        syscalls.Mechanism.ShouldContain("installed by the worker");
    }

    /// <summary>The cost of one denied call (a round trip to the host) next to an allowed one, printed for the report.</summary>
    [Fact]
    public async Task DeniedSyscall_RoundTrip_IsBounded()
    {
        var denied = await CallAsync(Issue15KernelFixture.Probe, "denied", new { syscall = "ptrace", count = 90 });
        var allowed = await CallAsync(Issue15KernelFixture.Probe, "allowed", new { count = 90 });

        var perDenied = denied.GetProperty("microsPerCall").GetDouble();
        var perAllowed = allowed.GetProperty("microsPerCall").GetDouble();
        Console.WriteLine($"issue15-kernel {fixture.Level} uid={fixture.WorkerUid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "root"}: denied call {perDenied:0.0} µs, allowed call {perAllowed:0.0} µs");
        perDenied.ShouldBeLessThan(20_000, "a denied call took more than 20 ms on average");
    }

    /// <summary>
    /// glibc names a thread by its tid (pthread_getattr_np on every .NET thread), which the filter cannot tell from another
    /// pid: the host lets a scheduling call about one of the worker's own threads run (no record: a benign worker's audit
    /// showed sched_getaffinity and sched_setscheduler "attacks"), at strict inside the worker's own pid namespace too.
    /// </summary>
    [Fact]
    public async Task SchedulingQuery_AboutOwnThread_RunsAndIsNotRecorded()
    {
        var result = await CallAsync(Issue15KernelFixture.Probe, "schedQuery", new { who = "thread" });

        result.GetProperty("tidIsPid").GetBoolean().ShouldBeFalse("the query must come from a thread other than the main one");
        result.GetProperty("errnos").EnumerateArray().Select(e => e.GetInt32()).ShouldBe([0, 0, 0]);
        await CallAsync(Issue15KernelFixture.Probe, "denied", new { syscall = "msgget", count = 1 }); // a later record, to wait on
        (await WaitForKernelRecordsAsync(Issue15KernelFixture.Probe, "msgget", 1)).ShouldNotBeEmpty();
        // Records of the other test's pid (0x3ffffd) aside, no scheduling query of the probe was recorded.
        KernelRecords(Issue15KernelFixture.Probe, "sched_getaffinity").Concat(KernelRecords(Issue15KernelFixture.Probe, "sched_getscheduler"))
            .Concat(KernelRecords(Issue15KernelFixture.Probe, "sched_setscheduler"))
            .Select(r => r.GetProperty("details").GetProperty("args").GetString()!)
            .Where(args => !args.StartsWith("0x3ffffd ", StringComparison.Ordinal))
            .ShouldBeEmpty();
    }

    /// <summary>The same query about a pid that is no thread of the worker stays EPERM and is recorded.</summary>
    [Fact]
    public async Task SchedulingQuery_AboutAnotherPid_IsDeniedAndRecorded()
    {
        var before = KernelRecords(Issue15KernelFixture.Probe, "sched_getscheduler").Count;

        var result = await CallAsync(Issue15KernelFixture.Probe, "schedQuery", new { who = "other" });

        result.GetProperty("errnos").EnumerateArray().Select(e => e.GetInt32()).ShouldBe([Eperm, Eperm, Eperm]);
        var records = await WaitForKernelRecordsAsync(Issue15KernelFixture.Probe, "sched_getscheduler", before + 1);
        records[^1].GetProperty("details").GetProperty("args").GetString()!.ShouldStartWith("0x3ffffd ");
    }

    private async Task<JsonElement> CallAsync(string plugin, string method, object input) =>
        await Host.InvokeAsync<JsonElement>(plugin, method, input, JsonSerializerOptions.Web);

    /// <summary>The hostile sample's report of one attempt.</summary>
    public sealed record Report(string Attempt, bool Succeeded, string? Error);

    private List<JsonElement> KernelRecords(string plugin, string? syscall)
    {
        var folder = Path.Combine(fixture.World.Home, "audit");
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var records = new List<JsonElement>();
        foreach (var file in Directory.EnumerateFiles(folder, "audit-*.jsonl").Order(StringComparer.Ordinal))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Length == 0 || !line.Contains("syscall.blocked", StringComparison.Ordinal))
                {
                    continue;
                }

                var root = JsonDocument.Parse(line).RootElement.Clone();
                if (root.GetProperty("action").GetString() == "syscall.blocked"
                    && string.Equals(root.GetProperty("layer").GetString(), "kernel", StringComparison.OrdinalIgnoreCase)
                    && root.TryGetProperty("plugin", out var p) && p.GetString() == plugin
                    && (syscall is null || (root.TryGetProperty("resource", out var r) && r.GetString() == syscall)))
                {
                    records.Add(root);
                }
            }
        }

        return records;
    }

    private async Task<List<JsonElement>> WaitForKernelRecordsAsync(string plugin, string syscall, int atLeast)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var records = KernelRecords(plugin, syscall);
            if (records.Count >= atLeast || clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                records.Count.ShouldBeGreaterThanOrEqualTo(atLeast, $"no syscall.blocked record (layer kernel) for {syscall} of {plugin}");
                return records;
            }

            await Task.Delay(100);
        }
    }
}

public sealed class Issue15KernelRootSandboxedTests(Issue15KernelRootSandboxedFixture fixture) : Issue15KernelTests<Issue15KernelRootSandboxedFixture>(fixture);

public sealed class Issue15KernelNobodySandboxedTests(Issue15KernelNobodySandboxedFixture fixture) : Issue15KernelTests<Issue15KernelNobodySandboxedFixture>(fixture);

public sealed class Issue15KernelRootStrictTests(Issue15KernelRootStrictFixture fixture) : Issue15KernelTests<Issue15KernelRootStrictFixture>(fixture);

public sealed class Issue15KernelNobodyStrictTests(Issue15KernelNobodyStrictFixture fixture) : Issue15KernelTests<Issue15KernelNobodyStrictFixture>(fixture);
