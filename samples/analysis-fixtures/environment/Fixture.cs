namespace Fixture.Environment;

public static class Probe
{
    public static string? Run() => System.Environment.GetEnvironmentVariable("HOME");
}
