using Stockade.Hosting.Broker.Services;

namespace Samples.HostApp;

/// <summary>Input of <see cref="InventoryService.Count"/>.</summary>
public sealed record CountArgs(string Item);

/// <summary>Input of <see cref="InventoryService.Reorder"/>.</summary>
public sealed record ReorderArgs(string Item, int Quantity);

/// <summary>
/// The application's own API. Each method plugins may call names its permission; the broker checks it (and rate
/// limits and audits the call) before the method runs, so the method itself contains no checks.
/// </summary>
public sealed class InventoryService
{
    private readonly Dictionary<string, int> _stock = new(StringComparer.Ordinal) { ["bolts"] = 120, ["nuts"] = 80 };

    /// <summary>How many of an item are in stock.</summary>
    [RequiresPermission("inventory:read")]
    [RateLimit(100, "1s")]
    public int Count(CountArgs args) => _stock.GetValueOrDefault(args.Item);

    /// <summary>Orders more of an item.</summary>
    [RequiresPermission("inventory:write")]
    public int Reorder(ReorderArgs args)
    {
        Reorders++;
        _stock[args.Item] = _stock.GetValueOrDefault(args.Item) + args.Quantity;
        return _stock[args.Item];
    }

    /// <summary>How many reorders plugins made.</summary>
    public int Reorders { get; private set; }
}
