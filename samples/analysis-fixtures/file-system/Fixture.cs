namespace Fixture.FileSystem;

public static class Reader
{
    public static string Run() => File.ReadAllText("/etc/hostname");
}
