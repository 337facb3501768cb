"""The Pulumi CLI route from an operator's machine: check the prerequisites (`make doctor`),
deploy with a preview and a confirmation (`make deploy`), tear down in the order that works
(`make destroy`) and start a new stack from the model's defaults (`make new-stack`)."""
