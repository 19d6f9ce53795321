using Stockade.Plugin;

namespace Fixture.EntryPoints;

public class BasePlugin : IPlugin
{
    public string Name => "base";
}

// Implements IPlugin through its base class in the same assembly.
public sealed class DerivedPlugin : BasePlugin
{
}

public abstract class AbstractPlugin : IPlugin
{
    public string Name => "abstract";
}

internal sealed class HiddenPlugin : IPlugin
{
    public string Name => "hidden";
}

public sealed class NeedsArgumentsPlugin : IPlugin
{
    public NeedsArgumentsPlugin(int size) => Size = size;

    public int Size { get; }

    public string Name => "needs-arguments";
}

public sealed class NotAPlugin
{
}
