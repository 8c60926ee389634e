System.Console.WriteLine("advisor");
