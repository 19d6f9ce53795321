namespace Fixture.RuntimeConfiguration;

public static class Switches
{
    public static void Run() => AppContext.SetSwitch("System.Net.DisableIPv6", true);
}
