namespace Fixture.DynamicCode;

public static class Loader
{
    public static Type? Run(string name) => Type.GetType(name);
}
