using Microsoft.Extensions.Options;
using Stockade.Core.Manifest;

namespace Stockade.Hosting;

/// <summary>The data annotations of <see cref="PluginHostOptions"/> and its annotated members (source-generated).</summary>
[OptionsValidator]
internal sealed partial class PluginHostOptionsAnnotationValidator : IValidateOptions<PluginHostOptions>
{
}

/// <summary>
/// The one validation of <see cref="PluginHostOptions"/>, run by <c>ValidateOnStart</c> and by the <see cref="PluginHost"/>
/// constructor alike: annotations, the rules annotations cannot say, and every nested options type (budgets, HTTP,
/// plugin folder limits, watchdog, limit defaults and caps, restart policy), every problem gathered into one message
/// (<c>OptionErrors</c>, src/Shared).
/// </summary>
internal sealed class PluginHostOptionsValidator : IValidateOptions<PluginHostOptions>
{
    private const string Owner = nameof(PluginHostOptions);

    public ValidateOptionsResult Validate(string? name, PluginHostOptions options)
    {
        var problems = Problems(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every problem with <paramref name="options"/>.</summary>
    internal static void ThrowIfInvalid(PluginHostOptions options)
    {
        var problems = Problems(options);
        if (problems.Count > 0)
        {
            throw new ArgumentException(OptionErrors.Message(Owner, problems), nameof(options));
        }
    }

    /// <summary>Every problem with <paramref name="options"/>, each naming its setting; empty when they are usable.</summary>
    internal static IReadOnlyList<string> Problems(PluginHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new OptionErrors(Owner);
        errors.AddRange(BindingProblems.Of(options)); // AddStockade(IConfiguration): keys that name no setting, values that do not convert
        var annotations = new PluginHostOptionsAnnotationValidator().Validate(Options.DefaultName, options);
        if (annotations.Failed)
        {
            errors.AddRange(annotations.Failures ?? []);
        }

        if (string.IsNullOrWhiteSpace(options.Home))
        {
            errors.Add(nameof(options.Home), "is required: the folder for the store, installed plugins and the audit log", options.Home);
        }
        else if (!Path.IsPathRooted(options.Home))
        {
            errors.Add(nameof(options.Home), "must be an absolute path", options.Home);
        }

        errors.Require(Core.Policy.SecurityLevelNames.TryParse(options.DefaultLevel, out _), nameof(options.DefaultLevel), $"must be one of {Core.Policy.SecurityLevelNames.List()}", options.DefaultLevel);
        WorkerUsers(options, errors);
        errors.Require(options.UsageEventInterval is null || options.UsageEventInterval >= TimeSpan.FromSeconds(1), nameof(options.UsageEventInterval),
            "must be at least 1 second, or null to turn usage events off", options.UsageEventInterval);
        errors.Require(options.PermissionPromptTimeout >= TimeSpan.FromSeconds(1) && options.PermissionPromptTimeout <= TimeSpan.FromHours(1), nameof(options.PermissionPromptTimeout),
            "must be between 1 second and 1 hour (a person's time to answer a permission prompt)", options.PermissionPromptTimeout);

        if (options.Budgets is null)
        {
            errors.Add(nameof(options.Budgets), "must be set (leave it at its default to keep the documented budgets)", null);
        }
        else
        {
            errors.AddRange(options.Budgets.Validate(options.MaxFrameBytes));
        }

        Nested(errors, nameof(options.Http), options.Http, http => http.Validate(errors.Name(nameof(options.Http))));
        Nested(errors, nameof(options.PluginFolderLimits), options.PluginFolderLimits, limits => limits.Validate(errors.Name(nameof(options.PluginFolderLimits))));
        Nested(errors, nameof(options.Watchdog), options.Watchdog, _ => []); // its annotations ran above ([ValidateObjectMembers])
        Nested(errors, nameof(options.Restart), options.Restart, restart => restart.Validate(errors.Name(nameof(options.Restart))));
        errors.AddRange(HostLimits.Validate(
            options.DefaultResources, options.ResourceCaps, options.DefaultTimeouts, options.TimeoutCaps,
            errors.Name(nameof(options.DefaultResources)), errors.Name(nameof(options.ResourceCaps)),
            errors.Name(nameof(options.DefaultTimeouts)), errors.Name(nameof(options.TimeoutCaps))));
        return errors.Problems;
    }

    private static void Nested<T>(OptionErrors errors, string setting, T? value, Func<T, IReadOnlyList<string>> validate)
        where T : class
    {
        if (value is null)
        {
            errors.Add(setting, "must be set (leave it at its default to keep the documented values)", null);
            return;
        }

        errors.AddRange(validate(value));
    }

    private static void WorkerUsers(PluginHostOptions options, OptionErrors errors)
    {
        errors.Require(options.WorkerGroupId is null || options.WorkerUserId is not null, nameof(options.WorkerGroupId), "needs WorkerUserId", options.WorkerGroupId);
        errors.Require(options.WorkerUserId is not 0 && options.WorkerGroupId is not 0, "WorkerUserId and WorkerGroupId",
            "must not be 0: a worker never runs as root (leave them unset for a uid per plugin)", $"{options.WorkerUserId}/{options.WorkerGroupId}");
        errors.Require(options.WorkerUserId is null or > 0 && options.WorkerGroupId is null or > 0, "WorkerUserId and WorkerGroupId", "must be positive",
            $"{options.WorkerUserId}/{options.WorkerGroupId}");
        var lastUid = (long)options.WorkerUidFirst + options.WorkerUidCount - 1;
        if (options.WorkerUidFirst < 1000 || options.WorkerUidCount < 1 || lastUid > int.MaxValue)
        {
            errors.Add("WorkerUidFirst and WorkerUidCount", $"must start at 1000 or above (below are system accounts), hold at least one uid and end at or below {int.MaxValue}", $"{options.WorkerUidFirst}+{options.WorkerUidCount}");
        }
        else if (options.WorkerUidFirst <= 65534 && lastUid >= 65534)
        {
            errors.Add("WorkerUidFirst and WorkerUidCount", "must not contain 65534 (nobody, the overflow uid)", $"{options.WorkerUidFirst}+{options.WorkerUidCount}");
        }
    }
}
