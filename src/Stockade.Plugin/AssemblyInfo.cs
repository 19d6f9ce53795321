namespace Stockade.Plugin;
