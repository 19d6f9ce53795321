namespace Stockade.Linux;
