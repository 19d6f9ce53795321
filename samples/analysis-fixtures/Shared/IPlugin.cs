namespace Stockade.Plugin;

// Fixture-local stand-in for the SDK's entry interface: entry validation matches Stockade.Plugin.IPlugin by
// name, so the clean and entry-point fixtures do not need the SDK (and cannot clash with it once it has one).
public interface IPlugin
{
    string Name { get; }
}
