namespace Stockade.Hosting.Broker.Budgets;

/// <summary>What <see cref="AuditBudget.Admit"/> decided for one record a worker caused.</summary>
internal enum AuditAdmission
{
    /// <summary>Write the record as it is.</summary>
    Write,

    /// <summary>Counted into the summary of its action, written at the end of the interval or when the worker ends.</summary>
    Summarised,

    /// <summary>The worker is over its audit budget: end it, and do not perform what the record stood for.</summary>
    OverBudget,
}
