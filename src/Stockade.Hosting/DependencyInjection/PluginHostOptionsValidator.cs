using Microsoft.Extensions.Options;

namespace Stockade.Hosting;

/// <summary>Validates <see cref="PluginHostOptions"/> from its data annotations (source-generated).</summary>
[OptionsValidator]
internal sealed partial class PluginHostOptionsValidator : IValidateOptions<PluginHostOptions>
{
}

/// <summary>The rules of <see cref="PluginHostOptions"/> that annotations cannot say.</summary>
internal sealed class PluginHostOptionsRules : IValidateOptions<PluginHostOptions>
{
    public ValidateOptionsResult Validate(string? name, PluginHostOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Home) && !Path.IsPathRooted(options.Home))
        {
            failures.Add($"Home must be an absolute path (got '{options.Home}').");
        }

        if (!Stockade.Core.Policy.SecurityLevelNames.TryParse(options.DefaultLevel, out _))
        {
            failures.Add($"DefaultLevel '{options.DefaultLevel}' is not one of {Stockade.Core.Policy.SecurityLevelNames.List()}.");
        }

        if (options.WorkerGroupId is not null && options.WorkerUserId is null)
        {
            failures.Add("WorkerGroupId needs WorkerUserId.");
        }

        if (options.WorkerUserId is 0 || options.WorkerGroupId is 0)
        {
            failures.Add("WorkerUserId and WorkerGroupId must not be 0: a worker never runs as root (leave them unset for a uid per plugin).");
        }

        if (options.WorkerUserId is < 0 || options.WorkerGroupId is < 0)
        {
            failures.Add("WorkerUserId and WorkerGroupId must be positive.");
        }

        var lastUid = (long)options.WorkerUidFirst + options.WorkerUidCount - 1;
        if (options.WorkerUidFirst < 1000 || options.WorkerUidCount < 1 || lastUid > int.MaxValue)
        {
            failures.Add($"the worker uid range {options.WorkerUidFirst}+{options.WorkerUidCount} must start at 1000 or above (below are system accounts), hold at least one uid and end at or below {int.MaxValue}.");
        }
        else if (options.WorkerUidFirst <= 65534 && lastUid >= 65534)
        {
            failures.Add("the worker uid range must not contain 65534 (nobody, the overflow uid).");
        }

        if (options.MaxCallTimeout <= TimeSpan.Zero)
        {
            failures.Add("MaxCallTimeout must be positive.");
        }

        if (options.Budgets is null)
        {
            failures.Add("Budgets must be set (leave it at its default to keep the documented budgets).");
        }
        else
        {
            failures.AddRange(options.Budgets.Validate(options.MaxFrameBytes));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
