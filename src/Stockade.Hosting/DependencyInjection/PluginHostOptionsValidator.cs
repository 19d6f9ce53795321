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

        if (options.DefaultLevel is not ("unrestricted" or "limited" or "sandboxed" or "strict"))
        {
            failures.Add($"DefaultLevel '{options.DefaultLevel}' is not one of unrestricted, limited, sandboxed, strict.");
        }

        if (options.WorkerGroupId is not null && options.WorkerUserId is null)
        {
            failures.Add("WorkerGroupId needs WorkerUserId.");
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
