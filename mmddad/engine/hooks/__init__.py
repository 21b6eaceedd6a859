# Copyright (c) mmddad contributors. All rights reserved.
