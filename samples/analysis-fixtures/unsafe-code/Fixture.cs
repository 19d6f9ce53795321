namespace Fixture.UnsafeCode;

public static class Pointers
{
    public static unsafe int Run(int value)
    {
        int* pointer = &value;
        return *pointer;
    }
}
