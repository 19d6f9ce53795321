using Microsoft.Extensions.Time.Testing;
using Stockade.Core.Audit;
using Stockade.Hosting.Broker.Budgets;

namespace Stockade.Hosting.Tests.Broker.Budgets;

public sealed class AuditBudgetTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly BudgetOptions _options = new() { Interval = TimeSpan.FromSeconds(10), AuditRecordsPerInterval = 3, AuditMaxRecordsPerInterval = 10, AuditMaxKbPerInterval = 1024 };

    [Fact]
    public void Admit_PastTheAllowance_SummarisedPerActionWithCountAndFirstAndLast()
    {
        var budget = new AuditBudget(_options, _time);

        var admissions = Enumerable.Range(0, 6).Select(i => budget.Admit(Denial($"/etc/{i}"), summarisable: true)).ToList();
        var summaries = budget.TakeSummaries();

        admissions.ShouldBe([AuditAdmission.Write, AuditAdmission.Write, AuditAdmission.Write, AuditAdmission.Summarised, AuditAdmission.Summarised, AuditAdmission.Summarised]);
        var summary = summaries.ShouldHaveSingleItem();
        summary.Action.ShouldBe(AuditActions.FileRead);
        summary.Decision.ShouldBe(AuditDecision.Deny);
        summary.Details!["count"].ShouldBe("3");
        summary.Details["firstResource"].ShouldBe("/etc/3");
        summary.Details["lastResource"].ShouldBe("/etc/5");
        budget.TakeSummaries().ShouldBeEmpty();
    }

    [Fact]
    public void Admit_NewInterval_WritesOneByOneAgain()
    {
        var budget = new AuditBudget(_options, _time);
        for (var i = 0; i < 5; i++)
        {
            budget.Admit(Denial("/x"), summarisable: true);
        }

        _time.Advance(TimeSpan.FromSeconds(10));

        budget.Admit(Denial("/y"), summarisable: true).ShouldBe(AuditAdmission.Write);
    }

    [Fact]
    public void Admit_PerformedCalls_NeverSummarised_ButCounted_OverTheMaximumOverBudget()
    {
        var budget = new AuditBudget(_options, _time);

        var admissions = Enumerable.Range(0, 11).Select(_ => budget.Admit(new AuditEntry(AuditActions.ServiceCall, AuditDecision.Allow, AuditLayer.Broker), summarisable: false)).ToList();

        admissions.Take(10).ShouldAllBe(a => a == AuditAdmission.Write);
        admissions[10].ShouldBe(AuditAdmission.OverBudget);
        budget.OverBudgetReason.ShouldNotBeNull().ShouldContain("more than 10 audit records in 10 s");
        budget.Admit(Denial("/z"), summarisable: true).ShouldBe(AuditAdmission.OverBudget, "it stays over budget");
    }

    [Fact]
    public void Admit_LargeRecords_OverTheByteBudget()
    {
        var budget = new AuditBudget(new BudgetOptions { AuditMaxKbPerInterval = 4, AuditRecordsPerInterval = 0, AuditMaxRecordsPerInterval = 1000 }, _time);

        budget.Admit(Denial(new string('p', 1000)), summarisable: true).ShouldBe(AuditAdmission.Summarised);
        budget.Admit(Denial(new string('p', 1000)), summarisable: true).ShouldBe(AuditAdmission.OverBudget);
        budget.OverBudgetReason.ShouldNotBeNull().ShouldContain("4 KiB");
    }

    [Fact]
    public void LogBudget_PastLinesOrBytes_DroppedAndCounted()
    {
        var budget = new LogBudget(new BudgetOptions { LogLinesPerInterval = 2, LogKbPerInterval = 1 }, _time);

        budget.Admit(10).ShouldBeTrue();
        budget.Admit(2000).ShouldBeFalse();
        budget.Admit(10).ShouldBeTrue();
        budget.Admit(10).ShouldBeFalse();
        budget.TakeDropped().ShouldBe((2L, 2010L));
        _time.Advance(TimeSpan.FromSeconds(10));
        budget.Admit(10).ShouldBeTrue();
    }

    [Fact]
    public void Options_Validate_GathersEveryRule()
    {
        var failures = new BudgetOptions { WorkerInFlightMb = 8, HostInFlightMb = 4, Interval = TimeSpan.Zero, AuditRecordsPerInterval = 50, AuditMaxRecordsPerInterval = 10 }.Validate(16 * 1024 * 1024);

        failures.Count.ShouldBe(4);
        new BudgetOptions().Validate(16 * 1024 * 1024).ShouldBeEmpty();
        Should.Throw<ArgumentException>(() => new PluginHost(new PluginHostOptions { Home = "/tmp/unused-" + Guid.NewGuid(), Budgets = new BudgetOptions { WorkerInFlightMb = 1 } }))
            .Message.ShouldContain("WorkerInFlightMb");
    }

    private static AuditEntry Denial(string path) =>
        new(AuditActions.FileRead, AuditDecision.Deny, AuditLayer.Kernel) { Plugin = "t.p", Permission = "file:read=" + path, Resource = path, Details = new Dictionary<string, string> { ["reason"] = "errno 13" } };
}
