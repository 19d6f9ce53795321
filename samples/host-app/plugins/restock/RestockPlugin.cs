using System.Text.Json;
using Stockade.Plugin;

namespace Samples.HostApp.Restock;

/// <summary>Input of <c>check</c>.</summary>
public sealed record CheckInput(string Item, int Minimum);

/// <summary>What <c>check</c> found and did.</summary>
public sealed record CheckResult(string Item, int InStock, bool Low, string Action);

/// <summary>
/// Checks an item's stock through the host application's <c>inventory</c> service and, when it is low, tries to
/// reorder — which needs <c>inventory:write</c>, an optional permission a person may not have granted.
/// </summary>
public sealed class RestockPlugin : IPlugin
{
    private IPluginContext? _context;

    /// <inheritdoc />
    public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        _context = context;
        return ValueTask.CompletedTask;
    }

    /// <summary>Reads the stock of an item and reorders when it is under the minimum.</summary>
    [PluginMethod("check")]
    public async Task<CheckResult> CheckAsync(CheckInput input, CancellationToken cancellationToken)
    {
        var context = _context ?? throw new InvalidOperationException("not initialized");
        var stock = (await context.Services.CallAsync("inventory", "count", JsonSerializer.SerializeToElement(new { item = input.Item }), cancellationToken)).GetInt32();
        if (stock >= input.Minimum)
        {
            return new CheckResult(input.Item, stock, false, "none");
        }

        try
        {
            await context.Services.CallAsync("inventory", "reorder", JsonSerializer.SerializeToElement(new { item = input.Item, quantity = input.Minimum * 2 }), cancellationToken);
            return new CheckResult(input.Item, stock, true, "reordered");
        }
        catch (PermissionDeniedException e)
        {
            return new CheckResult(input.Item, stock, true, $"could not reorder: needs {e.Permission}");
        }
    }
}
