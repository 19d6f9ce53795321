namespace Fixture.Network;

public static class Fetcher
{
    public static HttpClient Run() => new();
}
