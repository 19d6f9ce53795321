using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Stockade.Core.Manifest;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Broker.Http;
using Stockade.Linux.FileSystem;
using Stockade.Protocol;

namespace Stockade.Hosting.Tests.Issue15;

/// <summary>
/// Issue 15 "one options-validation style": each options type gathers every problem (as <c>WatchdogOptions</c> does)
/// into one message, each problem naming its setting with its full path and the value it had. One test per type
/// gives several wrong values and expects all of them at once.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15OptionsValidationTests
{
    private static PluginHostOptions ManyWrong() => new()
    {
        Home = "relative/home",
        DefaultLevel = "paranoid",
        MaxFrameBytes = 10,
        WorkerUserId = 0,
        Http = new BrokerHttpOptions { MaxRedirects = 50, Timeout = TimeSpan.Zero },
        PluginFolderLimits = PluginFolderLimits.Default with { MaxEntries = 0 },
        Watchdog = new Monitoring.WatchdogOptions { WarnRatio = 2 },
        DefaultResources = ResourceLimits.Default with { MemoryMb = 64 },
        ResourceCaps = HostLimits.DefaultCaps with { Threads = 8 },
        Restart = new RestartPolicy { Factor = 1.5 },
    };

    private static readonly string[] ExpectedSettings =
    [
        "PluginHostOptions.Home", "PluginHostOptions.DefaultLevel", "MaxFrameBytes", "PluginHostOptions.WorkerUserId and WorkerGroupId",
        "PluginHostOptions.Http.MaxRedirects", "PluginHostOptions.Http.Timeout", "PluginHostOptions.PluginFolderLimits.MaxEntries",
        "WarnRatio", "PluginHostOptions.DefaultResources.MemoryMb", "PluginHostOptions.ResourceCaps.Threads", "PluginHostOptions.Restart.Factor",
    ];

    [Fact]
    public void PluginHostOptions_Constructor_ListsEveryProblemInOneMessage()
    {
        var message = Should.Throw<ArgumentException>(() => new PluginHost(ManyWrong())).Message;

        foreach (var setting in ExpectedSettings)
        {
            message.ShouldContain(setting);
        }

        message.ShouldContain("problem(s) with PluginHostOptions:");
    }

    [Fact]
    public void PluginHostOptions_ValidateOnStart_RunsTheSameOneValidation()
    {
        var services = new ServiceCollection();
        services.AddStockade(o => o.Home = "/tmp/unused");

        // One validator for ValidateOnStart, the same the constructor runs: every problem, one failure each.
        var validator = services.Where(d => d.ServiceType == typeof(IValidateOptions<PluginHostOptions>)).ShouldHaveSingleItem();
        validator.ImplementationType.ShouldBe(typeof(PluginHostOptionsValidator));
        var result = new PluginHostOptionsValidator().Validate(Options.DefaultName, ManyWrong());
        result.Failed.ShouldBeTrue();
        var failures = result.Failures.ShouldNotBeNull().ToList();
        foreach (var setting in ExpectedSettings)
        {
            failures.ShouldContain(f => f.Contains(setting, StringComparison.Ordinal), setting);
        }
    }

    [Fact]
    public void PluginHostOptions_Defaults_AreValid()
    {
        PluginHostOptionsValidator.Problems(new PluginHostOptions { Home = "/tmp/stockade-valid" }).ShouldBeEmpty();
    }

    [Fact]
    public void AuditLogOptions_ListsEveryProblemInOneMessage()
    {
        var options = new AuditLogOptions { Directory = "", QueueCapacity = 0, ReserveBytes = 1, RetentionDays = 0, HeadInterval = TimeSpan.Zero };

        var message = Should.Throw<ArgumentException>(() => new AuditLog(options)).Message;

        message.ShouldContain("6 problem(s) with AuditLogOptions:");
        foreach (var setting in new[] { "AuditLogOptions.LowReserveBytes", "AuditLogOptions.Directory", "AuditLogOptions.QueueCapacity", "AuditLogOptions.ReserveBytes", "AuditLogOptions.RetentionDays", "AuditLogOptions.HeadInterval" })
        {
            message.ShouldContain(setting);
        }
    }

    [Fact]
    public void BrokerHttpOptions_ListsEveryProblem()
    {
        var problems = new BrokerHttpOptions { MaxRequestBytes = -1, MaxResponseBytes = 0, Timeout = Timeout.InfiniteTimeSpan, MaxRedirects = -1 }.Validate();

        problems.Count.ShouldBe(4);
        problems.ShouldContain("BrokerHttpOptions.MaxRequestBytes must be at least 0 (got -1).");
        problems.ShouldContain(p => p.StartsWith("BrokerHttpOptions.Timeout must be a positive, finite time span", StringComparison.Ordinal));
    }

    [Fact]
    public void PluginFolderLimits_ListsEveryProblem()
    {
        var problems = new PluginFolderLimits { MaxFileBytes = 0, MaxTotalBytes = -5, MaxEntries = 0, Timeout = TimeSpan.Zero }.Validate();

        problems.Count.ShouldBe(4);
        problems.ShouldContain("PluginFolderLimits.MaxTotalBytes must be at least 1 (got -5).");
    }

    [Fact]
    public void ProtocolLimits_ListsEveryProblemInOneMessage()
    {
        var message = Should.Throw<ArgumentException>(() => new ProtocolLimits { MaxFrameBytes = 0, MaxInFlight = -1, MaxJsonDepth = 0 }.Validate()).Message;

        message.ShouldContain("3 problem(s) with ProtocolLimits:");
        message.ShouldContain("ProtocolLimits.MaxFrameBytes must be at least 1 (got 0).");
        message.ShouldContain("ProtocolLimits.MaxInFlight must be at least 1 (got -1).");
        message.ShouldContain("ProtocolLimits.MaxJsonDepth must be at least 1 (got 0).");
    }
}
