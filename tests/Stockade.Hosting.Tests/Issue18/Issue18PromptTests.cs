using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;

namespace Stockade.Hosting.Tests.Issue18;

/// <summary>
/// Issue 18 item 4, run-time half: a permission prompt pauses the call's timeout (a person answering in 4 s does not get
/// a plugin with a 2 s timeout killed and blamed), and a prompt nobody answers is denied at the host's deadline, audited
/// as denied with why. Real workers (the capabilities sample asks for its optional <c>config:write=theme</c>).
/// </summary>
[Trait("Issue", "18")]
[Collection(Issue18Host.Collection)]
public sealed class Issue18PromptTests
{
    private const string Permission = "config:write=theme";

    [Theory]
    [InlineData(null)]
    [InlineData(65534)]
    public async Task APersonAnsweringSlowerThanTheCallTimeout_TheCallSucceeds_NotTimedOut(int? workerUid)
    {
        var prompt = new SlowPrompt(TimeSpan.FromSeconds(4), PermissionAnswer.AllowOnce);
        await using var h = Issue18Host.Create(o => (o.PermissionPromptTimeout, o.WorkerUserId, o.WorkerGroupId) = (TimeSpan.FromSeconds(6), workerUid, workerUid), prompt);
        await h.Host.LoadAsync(Capabilities(h, "t.slowyes", callTimeout: "2s"), new PluginLoadOptions { Level = "sandboxed" });

        var outcome = await h.Host.InvokeAsync<Outcome>("t.slowyes", "ask", new { permission = Permission, reason = "to change the theme" });

        outcome.ShouldNotBeNull().Ok.ShouldBeTrue(outcome.Message);
        outcome.Value.ShouldNotBeNull().GetBoolean().ShouldBeTrue();
        prompt.Asked.ShouldBe(1);
        h.Events.ShouldNotContain(e => e.Kind == PluginEventKind.TimedOut);

        // The pause ends with the prompt: the timeout runs again. A second prompt slower than the call's timeout and the
        // host's deadline together is denied at the deadline (6 s), and the call, past its 2 s of its own, still answers.
        prompt.Delay = TimeSpan.FromSeconds(20);
        var second = await h.Host.InvokeAsync<Outcome>("t.slowyes", "ask", new { permission = "config:write=other", reason = "another" });
        second.ShouldNotBeNull().Value.ShouldNotBeNull().GetBoolean().ShouldBeFalse();
        h.Events.ShouldNotContain(e => e.Kind == PluginEventKind.TimedOut);
    }

    [Fact]
    public async Task APromptNobodyAnswers_IsDeniedAtTheHostsDeadline_AuditedAsDenied_AndTheCallCarriesOn()
    {
        var prompt = new SlowPrompt(Timeout.InfiniteTimeSpan, PermissionAnswer.AllowAlways, ignoreCancellation: true);
        await using var h = Issue18Host.Create(o => o.PermissionPromptTimeout = TimeSpan.FromSeconds(2), prompt);
        await h.Host.LoadAsync(Capabilities(h, "t.noanswer", callTimeout: "1s"), new PluginLoadOptions { Level = "sandboxed" });
        var started = DateTime.UtcNow;

        var outcome = await h.Host.InvokeAsync<Outcome>("t.noanswer", "ask", new { permission = Permission, reason = "to change the theme" });

        outcome.ShouldNotBeNull().Ok.ShouldBeTrue(outcome.Message);
        outcome.Value.ShouldNotBeNull().GetBoolean().ShouldBeFalse("no answer is a no");
        (DateTime.UtcNow - started).ShouldBeGreaterThan(TimeSpan.FromSeconds(1.9));
        h.Events.ShouldNotContain(e => e.Kind == PluginEventKind.TimedOut);
        prompt.SawCancellation.ShouldBeTrue("the prompt's token is cancelled at the deadline, so a dialog can close itself");

        await h.Host.Audit.FlushAsync();
        var denied = new AuditReader(h.Host.Home.AuditDirectory).Query(new AuditQuery { Plugin = "t.noanswer", Action = AuditActions.PermissionDenied }).ShouldHaveSingleItem();
        denied.Permission.ShouldBe(Permission);
        denied.Decision.ShouldBe(AuditDecision.Deny);
        denied.Details.ShouldNotBeNull()["unanswered"].ShouldBe("no answer within 2 s: denied");
    }

    [Fact]
    public void PermissionPromptTimeout_OutsideOneSecondToAnHour_IsRefused()
    {
        Should.Throw<ArgumentException>(() => Issue18Host.Create(o => o.PermissionPromptTimeout = TimeSpan.Zero)).Message.ShouldContain("PermissionPromptTimeout");
        Should.Throw<ArgumentException>(() => Issue18Host.Create(o => o.PermissionPromptTimeout = TimeSpan.FromHours(2))).Message.ShouldContain("PermissionPromptTimeout");
    }

    private static string Capabilities(Issue18Host h, string id, string callTimeout) => h.World.Plugin("capabilities-csharp", id, $$"""
        runtime: dotnet
        entry: bin/CapabilitiesPlugin.dll
        entryType: Samples.Capabilities.CapabilitiesPlugin
        timeouts: { init: 30s, call: {{callTimeout}}, hook: 5s }
        resources: { memoryMb: 256, openFiles: 128 }
        permissions:
          required:
            - permission: config:read=theme
              reason: tests
          optional:
            - permission: config:write=theme
              reason: tests
            - permission: config:write=other
              reason: tests
        """);

    public sealed record Outcome(bool Ok, JsonElement? Value, string? Code, string? Message);

    /// <summary>A person who takes <paramref name="delay"/> to answer (or never does).</summary>
    private sealed class SlowPrompt(TimeSpan delay, PermissionAnswer answer, bool ignoreCancellation = false) : IPermissionPrompt
    {
        private int _asked;

        public TimeSpan Delay { get; set; } = delay;

        public int Asked => _asked;

        public bool SawCancellation { get; private set; }

        public async ValueTask<PermissionAnswer> AskAsync(string pluginId, string permission, string? reason, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _asked);
            using var _ = cancellationToken.Register(() => SawCancellation = true);
            await Task.Delay(Delay, ignoreCancellation ? CancellationToken.None : cancellationToken);
            return answer;
        }
    }
}
