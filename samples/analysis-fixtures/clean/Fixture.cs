namespace Fixture.Clean;

public sealed class CleanPlugin : Stockade.Plugin.IPlugin
{
    public string Name => "clean";

    public static int Add(int left, int right) => left + right;
}
